import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { parseConfig } from "../src/inputs.ts";
import { specBreakingChanges } from "./_compat.ts";
import {
  type CliRun,
  compileSchema,
  type Message,
  protocolErrors,
  ROOT,
  runCli,
} from "./_helpers.ts";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const BASE = { api_id: "id", api_token: "token" };

/** Every node of a JSON tree, with its path. */
function* nodes(
  value: unknown,
  path = "$",
): Generator<[string, Record<string, unknown>]> {
  if (typeof value !== "object" || value === null) return;
  if (!Array.isArray(value)) yield [path, value as Record<string, unknown>];
  for (const [key, child] of Object.entries(value)) {
    yield* nodes(child, `${path}.${key}`);
  }
}

describe("spec", () => {
  let run: CliRun;
  let spec: NonNullable<Message["spec"]>;
  let schema: NonNullable<Message["spec"]>["connectionSpecification"];
  before(async () => {
    run = await runCli(["spec"]);
    spec = run.messages[0]?.spec!;
    schema = spec?.connectionSpecification;
  });

  it("prints exactly one valid SPEC, nothing on stderr, exit 0", () => {
    assert.equal(run.code, 0);
    assert.equal(run.stderr, "");
    assert.equal(run.messages.length, 1);
    assert.equal(run.messages[0].type, "SPEC");
    assert.deepEqual(protocolErrors(run.messages), []);
    assert.equal(run.stdout.split("\n").length, 2, "one line and a newline");
  });

  it("is a draft-07 object schema with its required fields", () => {
    assert.ok(schema);
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    assert.equal(schema.type, "object");
    assert.notEqual(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ["api_id", "api_token", "start_date"]);
    compileSchema(schema);
  });

  it("marks both credentials as airbyte_secret", () => {
    assert.equal(schema.properties.api_id.airbyte_secret, true);
    assert.equal(schema.properties.api_token.airbyte_secret, true);
    for (const [name, property] of Object.entries(schema.properties)) {
      if (/token|secret|password|key/i.test(name)) {
        assert.equal(property.airbyte_secret, true, name);
      }
    }
  });

  it("uses no keyword the Airbyte UI rejects", () => {
    const forbidden = [
      "$ref",
      "allOf",
      "anyOf",
      "oneOf",
      "not",
      "if",
      "then",
      "else",
      "patternProperties",
    ];
    for (const [path, node] of nodes(schema)) {
      for (const keyword of forbidden) {
        assert.ok(!(keyword in node), `${path} uses ${keyword}`);
      }
      if (Array.isArray(node.type)) {
        assert.ok(
          node.type.length === 1 ||
            (node.type.length === 2 && node.type.includes("null")),
          `${path} type ${node.type}`,
        );
      }
      if (Array.isArray(node.enum)) {
        assert.equal(new Set(node.enum).size, node.enum.length, path);
      }
    }
    const orders = Object.values(schema.properties).map((p) => p.order);
    assert.equal(new Set(orders).size, orders.length, "order values unique");
  });

  it("is backward compatible with the committed snapshot", () => {
    const snapshot = JSON.parse(
      readFileSync(`${ROOT}tests/snapshots/spec.json`, "utf8"),
    );
    assert.deepEqual(
      specBreakingChanges(snapshot.connectionSpecification, schema!),
      [],
    );
    assert.deepEqual(
      spec,
      snapshot,
      "the spec changed compatibly: review it, then run `deno task snapshots`",
    );
  });

  describe("config fixtures", () => {
    const validate = (config: unknown) => {
      const check = compileSchema(schema);
      return { ok: check(config), errors: check.errors };
    };
    const valid = [
      // The existing Airbyte Aircall connector's form.
      { ...BASE, start_date: "2022-03-01T00:00:00.000Z" },
      { ...BASE, start_date: "2022-03-01T00:00:00Z" },
      { ...BASE, start_date: "2022-03-01T02:00:00+02:00" },
      {
        ...BASE,
        start_date: "2024-02-29T00:00:00Z",
        calls_lookback_hours: 0,
        max_requests_per_minute: 100000,
        unknown_extra_key: true,
      },
    ];
    for (const config of valid) {
      it(`accepts ${JSON.stringify(config)}`, () => {
        const result = validate(config);
        assert.ok(result.ok, JSON.stringify(result.errors));
        const parsed = parseConfig(config, NOW);
        assert.equal(parsed.start_date, config.start_date);
        assert.ok(!("unknown_extra_key" in parsed));
      });
    }

    it("applies defaults", () => {
      const parsed = parseConfig(valid[0], NOW);
      assert.equal(parsed.calls_lookback_hours, 24);
      assert.equal(parsed.max_requests_per_minute, 60);
    });

    const invalid: [Record<string, unknown>, RegExp][] = [
      [{ ...BASE, start_date: "2022-02-30T00:00:00Z" }, /start_date must be/],
      [{ ...BASE, start_date: "2023-02-29T00:00:00Z" }, /start_date must be/],
      [{ ...BASE, start_date: "2022-03-01" }, /start_date must be/],
      [{ ...BASE, start_date: "2999-01-01T00:00:00Z" }, /in the future/],
      [
        { api_id: "id", start_date: "2022-03-01T00:00:00Z" },
        /api_token is required/,
      ],
      [
        { ...BASE, api_token: "", start_date: "2022-03-01T00:00:00Z" },
        /api_token must not be empty/,
      ],
      [
        { ...BASE, api_id: 42, start_date: "2022-03-01T00:00:00Z" },
        /api_id must be a string/,
      ],
      [
        {
          ...BASE,
          start_date: "2022-03-01T00:00:00Z",
          calls_lookback_hours: 721,
        },
        /calls_lookback_hours must be at most 720/,
      ],
      [
        {
          ...BASE,
          start_date: "2022-03-01T00:00:00Z",
          calls_lookback_hours: 1.5,
        },
        /calls_lookback_hours must be an integer/,
      ],
      [
        {
          ...BASE,
          start_date: "2022-03-01T00:00:00Z",
          max_requests_per_minute: 0,
        },
        /max_requests_per_minute must be at least 1/,
      ],
      [
        {
          ...BASE,
          start_date: "2022-03-01T00:00:00Z",
          max_requests_per_minute: "60",
        },
        /max_requests_per_minute must be an integer/,
      ],
    ];
    for (const [config, message] of invalid) {
      it(`refuses ${JSON.stringify(config)} saying ${message}`, () => {
        assert.throws(() => parseConfig(config, NOW), (error: Error) => {
          assert.match(error.message, message);
          assert.doesNotMatch(error.message, /\n/);
          assert.equal(
            (error as { failureType?: string }).failureType,
            "config_error",
          );
          return true;
        });
      });
    }
  });
});
