/**
 * Bad input, row by row: each gets one clear line in a TRACE ERROR
 * (`config_error`) and a non-zero exit — or, for `check`, one
 * CONNECTION_STATUS FAILED and exit 0 — with only protocol messages on
 * stdout, and no credential anywhere.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  type CliRun,
  configuredCatalog,
  ofType,
  protocolErrors,
  runCli,
  startFake,
  tempDir,
  TEST_API_ID,
  TEST_API_TOKEN,
  testConfig,
  writeJson,
} from "./_helpers.ts";

const dir = tempDir();
const MISSING = join(dir, "does-not-exist.json");
const DIRECTORY = join(dir, "a-directory");
mkdirSync(DIRECTORY);

/** A file with this content (a string is written as is). */
let files = 0;
const file = (content: unknown) =>
  writeJson(dir, `input-${files++}.json`, content);

const streamState = (name: string, state: unknown) => ({
  type: "STREAM",
  stream: { stream_descriptor: { name }, stream_state: state },
});

const goodConfig = () => file(testConfig());
const goodCatalog = () =>
  file(configuredCatalog({
    calls: "incremental",
    call_summaries: "incremental",
  }));

function assertNoSecrets(run: CliRun): void {
  for (const secret of [TEST_API_ID, TEST_API_TOKEN]) {
    assert.ok(!run.stdout.includes(secret), "no credential on stdout");
    assert.ok(!run.stderr.includes(secret), "no credential on stderr");
  }
}

function assertRefused(run: CliRun, reason: RegExp): void {
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.deepEqual(protocolErrors(run.messages), [], "stdout is protocol only");
  const errors = ofType(run.messages, "TRACE", "ERROR");
  assert.equal(errors.length, 1);
  const error = errors[0].trace!.error!;
  assert.equal(error.failure_type, "config_error");
  assert.match(error.message, reason);
  assert.doesNotMatch(error.message, /\n| {4}at /, "one line, no stack");
  assert.equal(ofType(run.messages, "RECORD").length, 0);
  const stderr = run.stderr.trim().split("\n");
  assert.equal(stderr.length, 1, run.stderr);
  assert.match(stderr[0], reason);
  assertNoSecrets(run);
}

const badConfigs: [string, () => string, RegExp][] = [
  ["missing", () => MISSING, /Config file .* does not exist/],
  ["unreadable", () => DIRECTORY, /Config file .* is a directory/],
  ["empty", () => file(""), /Config must be a JSON object, not an empty file/],
  [
    "not JSON",
    () => file(`{"api_token": ${TEST_API_TOKEN}`),
    /is not valid JSON/,
  ],
  [
    "an array",
    () => file([testConfig()]),
    /Config must be a JSON object, not an array/,
  ],
  ["a string", () => file('"config"'), /not a string/],
  [
    "missing a field",
    () => file({ ...testConfig(), api_token: undefined }),
    /api_token is required/,
  ],
  [
    "with a wrong type",
    () => file(testConfig({ calls_lookback_hours: "24" })),
    /calls_lookback_hours must be an integer/,
  ],
  [
    "with an impossible start_date",
    () => file(testConfig({ start_date: "2023-02-29T00:00:00Z" })),
    /start_date must be a real RFC 3339 date-time/,
  ],
  [
    "with a future start_date",
    () => file(testConfig({ start_date: "2999-01-01T00:00:00Z" })),
    /start_date .* is in the future/,
  ],
];

describe("bad input", () => {
  let fake: FakeAircall;
  let env: Record<string, string>;
  before(async () => {
    fake = await startFake({ counts: { calls: 80, contacts: 80 } });
    env = { AIRCALL_API_URL: fake.url };
  });
  after(() => fake.close());

  describe("config", () => {
    for (const [label, config, reason] of badConfigs) {
      it(`read refuses a config ${label}`, async () => {
        const run = await runCli(
          ["read", "--config", config(), "--catalog", goodCatalog()],
          env,
        );
        assertRefused(run, reason);
      });

      it(`discover refuses a config ${label}`, async () => {
        assertRefused(
          await runCli(["discover", "--config", config()], env),
          reason,
        );
      });

      it(`check answers FAILED, exit 0, for a config ${label}`, async () => {
        const run = await runCli(["check", "--config", config()], env);
        assert.equal(run.code, 0);
        assert.deepEqual(protocolErrors(run.messages), []);
        assert.equal(run.messages.length, 1);
        assert.equal(run.messages[0].connectionStatus!.status, "FAILED");
        assert.match(run.messages[0].connectionStatus!.message!, reason);
        assertNoSecrets(run);
      });
    }
  });

  describe("catalog", () => {
    const rows: [string, () => string, RegExp][] = [
      ["missing", () => MISSING, /Catalog file .* does not exist/],
      ["unreadable", () => DIRECTORY, /Catalog file .* is a directory/],
      ["not JSON", () => file("{streams"), /Catalog file .* is not valid JSON/],
      [
        "of the wrong type",
        () => file([]),
        /Catalog must be a configured catalog/,
      ],
      [
        "without streams",
        () => file({ streams: [] }),
        /Catalog has no streams/,
      ],
      [
        "with an unknown stream",
        () => file(configuredCatalog({ recordings: "full_refresh" })),
        /stream this source does not have: "recordings"/,
      ],
      [
        "with an invalid sync mode",
        () => file(configuredCatalog({ calls: "INVALID" as "incremental" })),
        /sync_mode "INVALID" on stream calls/,
      ],
      [
        "listing a stream twice",
        () =>
          file({
            streams: [
              ...(configuredCatalog({ tags: "full_refresh" })
                .streams as unknown[]),
              ...(configuredCatalog({ tags: "full_refresh" })
                .streams as unknown[]),
            ],
          }),
        /lists stream tags twice/,
      ],
    ];
    for (const [label, catalog, reason] of rows) {
      it(`read refuses a catalog ${label}`, async () => {
        const run = await runCli(
          ["read", "--config", goodConfig(), "--catalog", catalog()],
          env,
        );
        assertRefused(run, reason);
      });
    }
  });

  describe("state", () => {
    const refused: [string, () => string, RegExp][] = [
      ["missing", () => MISSING, /State file .* does not exist/],
      ["not JSON", () => file("[{"), /State file .* is not valid JSON/],
      [
        "in the legacy bare-object form",
        () => file({ calls: { started_at: 1 } }),
        /legacy per-stream state object is not supported/,
      ],
      [
        "of the wrong type",
        () => file('"state"'),
        /State must be a JSON array/,
      ],
      [
        "with a malformed entry",
        () => file([{ type: "STREAM" }]),
        /State entry 0 is not a STREAM state message/,
      ],
      [
        "with a wrong-typed cursor",
        () => file([streamState("calls", { started_at: "yesterday" })]),
        /State of stream calls has started_at = "yesterday"/,
      ],
      [
        "with a negative cursor",
        () => file([streamState("calls", { started_at: -5 })]),
        /State of stream calls has started_at = -5, which is not a time/,
      ],
      [
        "whose state is not an object",
        () => file([streamState("calls", "yesterday")]),
        /State of stream calls is a string, not an object/,
      ],
      [
        "with a call id that is no id",
        () =>
          file([
            streamState("call_summaries", {
              call_started_at: 1_700_000_000,
              call_id: "abc",
            }),
          ]),
        /State of stream call_summaries has call_id = "abc", which is not an id/,
      ],
      [
        "with a cursor past the year 9999",
        () => file([streamState("calls", { started_at: 1e16 })]),
        /State of stream calls has started_at = 10000000000000000/,
      ],
      [
        "in JSON lines with a broken line",
        () => file(`${JSON.stringify(streamState("calls", {}))}\n{"type":`),
        /State file .* is not valid JSON/,
      ],
    ];
    for (const [label, state, reason] of refused) {
      it(`read refuses a state ${label}, before any request`, async () => {
        fake.requests.length = 0;
        const run = await runCli([
          "read",
          "--config",
          goodConfig(),
          "--catalog",
          goodCatalog(),
          "--state",
          state(),
        ], env);
        assertRefused(run, reason);
        assert.equal(fake.requests.length, 0);
      });
    }

    const stateMessage = (name: string, state: unknown) => ({
      type: "STATE",
      state: streamState(name, state),
    });
    const accepted: [string, unknown][] = [
      ["that is {}", {}],
      ["that is []", []],
      ["that is null", "null"],
      [
        "for a stream not in the catalog, whatever it holds",
        [
          streamState("contacts", { updated_at: "yesterday" }),
          streamState("users", "not even an object"),
          streamState("tags", [1, 2]),
        ],
      ],
      ["of STATE messages, as read prints them", [
        stateMessage("calls", { started_at: 1_700_000_000 }),
      ]],
      [
        "of STATE messages in JSON lines, the last one winning",
        [
          stateMessage("calls", { started_at: "yesterday" }),
          stateMessage("calls", { started_at: 1_700_000_000 }),
        ].map((message) => JSON.stringify(message)).join("\n") + "\n",
      ],
      ["with a cursor as a numeric string", [
        streamState("calls", { started_at: "1700000000" }),
      ]],
      ["with a cursor in milliseconds", [
        streamState("calls", { started_at: 1_700_000_000_123 }),
      ]],
      ["with a null cursor", [streamState("calls", { started_at: null })]],
      ["with a future cursor", [
        streamState("calls", { started_at: 4_102_444_800 }),
      ]],
      ["for unknown streams", [streamState("recordings", { x: 1 })]],
      ["with unknown extra keys", [{
        ...streamState("calls", { started_at: null, extra: 1 }),
        extra: true,
      }]],
      ["that is empty", ""],
    ];
    for (const [label, state] of accepted) {
      it(`read accepts a state ${label}`, async () => {
        const run = await runCli([
          "read",
          "--config",
          goodConfig(),
          "--catalog",
          goodCatalog(),
          "--state",
          file(state),
        ], env);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(protocolErrors(run.messages), []);
        assert.equal(ofType(run.messages, "TRACE", "ERROR").length, 0);
        assert.equal(ofType(run.messages, "STATE").length >= 1, true);
      });
    }
  });

  it("ignores the state of a stream read in full refresh, whatever it holds", async () => {
    const run = await runCli([
      "read",
      "--config",
      goodConfig(),
      "--catalog",
      file(configuredCatalog({ calls: "full_refresh" })),
      "--state",
      file([streamState("calls", { started_at: "yesterday" })]),
    ], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(ofType(run.messages, "TRACE", "ERROR").length, 0);
    assert.equal(
      ofType(run.messages, "RECORD").length,
      fake.visibleCallIds().length,
    );
  });

  it("refuses a read without --catalog or --streams (unknown flags: cli_test.ts)", async () => {
    const missing = await runCli(["read", "--config", goodConfig()], env);
    assert.equal(missing.code, 2);
    assert.match(
      ofType(missing.messages, "TRACE", "ERROR")[0].trace!.error!.message,
      /read needs --catalog <path> or --streams <names>/,
    );
  });
});
