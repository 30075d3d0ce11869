import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { catalogAdditions, catalogBreakingChanges } from "./_compat.ts";
import {
  type CatalogStream,
  type CliRun,
  compileSchema,
  ofType,
  protocolErrors,
  ROOT,
  runCli,
  tempDir,
  testConfig,
  writeJson,
} from "./_helpers.ts";

const perCall = {
  modes: ["full_refresh", "incremental"],
  key: ["call_id"],
  cursor: "call_started_at",
};

const EXPECTED = {
  call_action_items: perCall,
  call_custom_summaries: perCall,
  call_evaluations: perCall,
  call_playbook_results: perCall,
  call_predicted_csat: perCall,
  call_sentiments: perCall,
  call_summaries: perCall,
  call_topics: perCall,
  call_transcriptions: perCall,
  calls: {
    modes: ["full_refresh", "incremental"],
    key: ["id"],
    cursor: "started_at",
  },
  company: { modes: ["full_refresh"], key: ["name"] },
  contacts: {
    modes: ["full_refresh", "incremental"],
    key: ["id"],
    cursor: "updated_at",
  },
  dialer_campaign_numbers: { modes: ["full_refresh"], key: ["user_id", "id"] },
  dialer_campaigns: { modes: ["full_refresh"], key: ["user_id"] },
  numbers: { modes: ["full_refresh"], key: ["id"] },
  tags: { modes: ["full_refresh"], key: ["id"] },
  teams: { modes: ["full_refresh"], key: ["id"] },
  user_availability: { modes: ["full_refresh"], key: ["id"] },
  user_numbers: { modes: ["full_refresh"], key: ["user_id", "id"] },
  users: { modes: ["full_refresh"], key: ["id"] },
  webhooks: { modes: ["full_refresh"], key: ["webhook_id"] },
} as Record<string, { modes: string[]; key: string[]; cursor?: string }>;

function* schemaNodes(
  value: unknown,
  path: string,
): Generator<[string, Record<string, unknown>]> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return;
  }
  const node = value as Record<string, unknown>;
  yield [path, node];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    yield* schemaNodes(child, `${path}.${name}`);
  }
  if (node.items) yield* schemaNodes(node.items, `${path}[]`);
}

describe("discover", () => {
  const dir = tempDir();
  let run: CliRun;
  let streams: CatalogStream[];
  before(async () => {
    run = await runCli([
      "discover",
      "--config",
      writeJson(dir, "config.json", testConfig()),
    ]);
    streams = run.messages[0]?.catalog?.streams ?? [];
  });

  it("prints exactly one valid CATALOG, exit 0", () => {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.messages.length, 1);
    assert.equal(run.messages[0].type, "CATALOG");
    assert.deepEqual(protocolErrors(run.messages), []);
  });

  it("offers every stream with its modes, key and cursor", () => {
    assert.deepEqual(streams.map((s) => s.name).sort(), Object.keys(EXPECTED));
    for (const stream of streams) {
      const expected = EXPECTED[stream.name];
      assert.deepEqual(
        stream.supported_sync_modes,
        expected.modes,
        stream.name,
      );
      assert.deepEqual(
        stream.source_defined_primary_key,
        expected.key.map((field) => [field]),
      );
      if (expected.cursor) {
        assert.equal(stream.source_defined_cursor, true);
        assert.deepEqual(stream.default_cursor_field, [expected.cursor]);
        assert.equal(stream.is_resumable, true);
      } else {
        assert.equal(stream.default_cursor_field, undefined);
      }
    }
  });

  it("declares every primary key and cursor in the schema, as scalars", () => {
    for (const stream of streams) {
      const properties = stream.json_schema.properties;
      const fields = [
        ...(stream.source_defined_primary_key ?? []).flat(),
        ...(stream.default_cursor_field ?? []),
      ];
      for (const field of fields) {
        const property = properties[field];
        assert.ok(property, `${stream.name}.${field} is in the schema`);
        const types = [property.type].flat();
        assert.ok(
          !types.includes("object") && !types.includes("array"),
          `${stream.name}.${field} is a scalar`,
        );
        assert.ok(!types.includes("null"), `${stream.name}.${field} non-null`);
      }
    }
  });

  it("publishes schemas destinations digest", () => {
    const forbidden = ["$ref", "allOf", "anyOf", "oneOf", "not", "required"];
    for (const stream of streams) {
      compileSchema(stream.json_schema);
      assert.equal(stream.json_schema.type, "object");
      for (const [path, node] of schemaNodes(stream.json_schema, stream.name)) {
        for (const keyword of forbidden) {
          assert.ok(!(keyword in node), `${path} uses ${keyword}`);
        }
        assert.ok(
          node.additionalProperties === undefined ||
            node.additionalProperties === true,
          `${path} additionalProperties`,
        );
        const types = [node.type].flat();
        assert.ok(
          types.length === 1 || (types.length === 2 && types[0] === "null"),
          `${path} type ${types}`,
        );
        if (types.includes("object")) assert.ok(node.properties, path);
        if (types.includes("array")) assert.ok(node.items, path);
      }
    }
  });

  it("lists in docs/streams.md exactly the fields of any JSON value", () => {
    const anyJson = streams.flatMap((stream) =>
      [...schemaNodes(stream.json_schema, stream.name)]
        .filter(([, node]) => !node.type && !node.properties && !node.items)
        .map(([path]) => path)
    ).sort();
    assert.ok(anyJson.length > 0);
    const doc = readFileSync(`${ROOT}docs/streams.md`, "utf8");
    const section = doc.split("\n## Fields of any JSON value\n")[1]
      ?.split("\n## ")[0] ?? "";
    const listed = [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), anyJson);
  });

  it("never publishes the webhook signing token", () => {
    const webhooks = streams.find((s) => s.name === "webhooks")!;
    assert.ok(!("token" in webhooks.json_schema.properties));
  });

  it("changes the committed snapshot only by additions", () => {
    const snapshot = JSON.parse(
      readFileSync(`${ROOT}tests/snapshots/catalog.json`, "utf8"),
    );
    const current = run.messages[0].catalog!;
    assert.deepEqual(
      catalogBreakingChanges(snapshot, current),
      [],
      "removed, renamed or retyped: a destination's tables rely on these",
    );
    const additions = catalogAdditions(snapshot, current);
    assert.deepEqual(
      current,
      snapshot,
      `the catalog changed compatibly (${
        additions.join("; ") || "no new field or stream"
      }): review it, then run \`deno task snapshots\``,
    );
  });

  it("refuses a bad config with a TRACE ERROR and exit 1", async () => {
    const bad = await runCli([
      "discover",
      "--config",
      writeJson(dir, "bad.json", testConfig({ start_date: "yesterday" })),
    ]);
    assert.equal(bad.code, 1);
    const [error] = ofType(bad.messages, "TRACE", "ERROR");
    assert.equal(error.trace!.error!.failure_type, "config_error");
    assert.match(error.trace!.error!.message, /start_date must be/);
    assert.deepEqual(protocolErrors(bad.messages), []);
    assert.equal(ofType(bad.messages, "CATALOG").length, 0);
  });
});
