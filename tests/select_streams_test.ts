/**
 * Streams without a catalog: `read --streams a,b|all` builds the configured
 * catalog itself, and `discover --configured` prints one to edit.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { STREAMS } from "../src/streams/mod.ts";
import { defaultStreams } from "../src/inputs.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  assertUsageError,
  checkpointViolations,
  type CliRun,
  lastStates,
  ofType,
  protocolErrors,
  recordsByStream,
  runCli,
  runCliText,
  startFake,
  tempDir,
  testConfig,
  validateConfiguredCatalog,
  writeJson,
} from "./_helpers.ts";

const INCREMENTAL = STREAMS.filter((s) => s.incremental).map((s) => s.name);

/** The streams a run read, in order of their STARTED status. */
function started(run: CliRun): string[] {
  return ofType(run.messages, "TRACE", "STREAM_STATUS")
    .filter((m) => m.trace!.stream_status!.status === "STARTED")
    .map((m) => m.trace!.stream_status!.stream_descriptor.name);
}

describe("read --streams", () => {
  let fake: FakeAircall;
  let env: Record<string, string>;
  let config: string;
  before(async () => {
    fake = await startFake({ counts: { calls: 300, contacts: 120 } });
    env = { AIRCALL_API_URL: fake.url };
    config = writeJson(tempDir(), "config.json", testConfig());
  });
  after(() => fake.close());

  it("reads the named streams in catalog order, incremental where they can", async () => {
    const run = await runCli(
      ["read", "--config", config, "--streams", "tags,contacts, calls"],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(protocolErrors(run.messages), []);
    assert.deepEqual(started(run), ["calls", "contacts", "tags"]);
    assert.deepEqual(
      checkpointViolations(run.messages, ["calls", "contacts", "tags"]),
      [],
    );
    const states = new Map(
      lastStates(run.messages).map((s) => [
        s!.stream.stream_descriptor.name,
        s!.stream.stream_state,
      ]),
    );
    // Incremental streams save their cursor; full refresh ones save {}.
    assert.equal(typeof states.get("calls")!.started_at, "number");
    assert.equal(typeof states.get("contacts")!.updated_at, "number");
    assert.deepEqual(states.get("tags"), {});
    assert.equal(recordsByStream(run.messages).get("tags")!.length, 120);
  });

  it("all reads every stream the connector offers", async () => {
    const run = await runCli(
      ["read", "--config", config, "--streams", "all"],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(protocolErrors(run.messages), []);
    const names = STREAMS.map((s) => s.name);
    // In catalog order, but calls before the per-call streams (the first
    // streams of the catalog), which share the calls it lists.
    const order = ["calls", ...names.filter((name) => name !== "calls")];
    assert.deepEqual(started(run), order);
    assert.deepEqual(checkpointViolations(run.messages, names), []);
    for (const state of lastStates(run.messages)) {
      const name = state!.stream.stream_descriptor.name;
      assert.equal(
        Object.keys(state!.stream.stream_state).length > 0,
        INCREMENTAL.includes(name),
        name,
      );
    }
  });

  const refused: [string, string[], RegExp][] = [
    [
      "an unknown stream, naming the closest and the valid ones",
      ["--streams", "calls,cals"],
      new RegExp(
        `Unknown stream "cals" in --streams; did you mean calls\\? Valid streams: ${
          STREAMS.map((s) => s.name).join(", ")
        } \\(or all\\)\\.`,
      ),
    ],
    [
      "a stream nothing is close to",
      ["--streams", "recordings"],
      new RegExp(
        `Unknown stream "recordings" in --streams\\. Valid streams: ${
          STREAMS.map((stream) => stream.name).join(", ")
        } \\(or all\\)\\.`,
      ),
    ],
    ["an empty list", ["--streams", " , "], /--streams is empty/],
    [
      "--catalog with --streams",
      ["--streams", "calls", "--catalog", "catalog.json"],
      /read takes --catalog or --streams, not both/,
    ],
    ["neither", [], /read needs --catalog <path> or --streams <names>/],
  ];
  for (const [label, args, reason] of refused) {
    it(`refuses ${label}: exit 2, before any request`, async () => {
      fake.requests.length = 0;
      assertUsageError(
        await runCli(["read", "--config", config, ...args], env),
        reason,
      );
      assert.equal(fake.requests.length, 0);
    });
  }
});

describe("discover --configured", () => {
  let config: string;
  before(() => {
    config = writeJson(tempDir(), "config.json", testConfig());
  });

  it("prints a configured catalog (valid per the protocol) of the streams sync takes by default", async () => {
    const run = await runCliText([
      "discover",
      "--config",
      config,
      "--configured",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    const configured = JSON.parse(run.stdout);
    assert.equal(
      validateConfiguredCatalog(configured),
      true,
      JSON.stringify(validateConfiguredCatalog.errors),
    );
    const defaults = defaultStreams().map((stream) => stream.definition);
    // Every stream but the opt-in ones (one request per call).
    assert.deepEqual(
      defaults.map((d) => d.name),
      STREAMS.filter((d) => d.optIn === undefined).map((d) => d.name),
    );
    assert.ok(defaults.length < STREAMS.length);
    for (const [index, definition] of defaults.entries()) {
      const entry = configured.streams[index];
      assert.equal(entry.stream.name, definition.name);
      assert.deepEqual(entry.stream.json_schema, definition.schema);
      if (definition.incremental) {
        assert.equal(entry.sync_mode, "incremental");
        assert.equal(entry.destination_sync_mode, "append_dedup");
        assert.deepEqual(entry.cursor_field, [definition.incremental.cursor]);
        assert.deepEqual(
          entry.primary_key,
          definition.primaryKey.map((field) => [field]),
        );
      } else {
        assert.equal(entry.sync_mode, "full_refresh");
        assert.equal(entry.destination_sync_mode, "overwrite");
      }
    }
    assert.equal(configured.streams.length, defaults.length);
  });

  it("prints only the --streams asked for, a file read --catalog takes as --streams would", async () => {
    const fake = await startFake({ counts: { calls: 80, contacts: 40 } });
    try {
      const run = await runCliText([
        "discover",
        "--config",
        config,
        "--configured",
        "--streams",
        "users,calls",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const configured = JSON.parse(run.stdout);
      assert.deepEqual(
        configured.streams.map((s: { stream: { name: string } }) =>
          s.stream.name
        ),
        ["calls", "users"],
      );
      const catalog = writeJson(tempDir(), "configured.json", run.stdout);
      const env = { AIRCALL_API_URL: fake.url };
      const viaCatalog = await runCli(
        ["read", "--config", config, "--catalog", catalog],
        env,
      );
      const viaStreams = await runCli(
        ["read", "--config", config, "--streams", "calls,users"],
        env,
      );
      for (const read of [viaCatalog, viaStreams]) {
        assert.equal(read.code, 0, read.stderr);
        assert.deepEqual(protocolErrors(read.messages), []);
        assert.deepEqual(started(read), ["calls", "users"]);
      }
      const records = (read: CliRun) =>
        [...recordsByStream(read.messages)].map(([s, r]) => [s, r.length]);
      assert.deepEqual(records(viaCatalog), records(viaStreams));
    } finally {
      await fake.close();
    }
  });

  it("discover --streams narrows the CATALOG message", async () => {
    const run = await runCli([
      "discover",
      "--config",
      config,
      "--streams",
      "tags,company",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(protocolErrors(run.messages), []);
    assert.deepEqual(
      run.messages[0].catalog!.streams.map((s) => s.name),
      ["company", "tags"],
    );
  });

  it("refuses an unknown stream with the valid ones, exit 2", async () => {
    assertUsageError(
      await runCli([
        "discover",
        "--config",
        config,
        "--configured",
        "--streams",
        "tag",
      ]),
      /Unknown stream "tag" in --streams; did you mean tags\?/,
    );
  });
});
