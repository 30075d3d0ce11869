import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MessageWriter } from "../src/protocol.ts";
import { REDACTED, redactorFor } from "../src/redact.ts";
import { secretFields } from "../src/spec.ts";
import { STREAMS } from "../src/streams/mod.ts";
import { FakeAircall } from "./fake_aircall/mod.ts";
import {
  allStreams,
  configuredCatalog,
  ofType,
  protocolErrors,
  runCli,
  tempDir,
  testConfig,
  writeJson,
} from "./_helpers.ts";

describe("redaction", () => {
  const config = { api_id: "my-id", api_token: "s3cr/t+x", start_date: "x" };
  const redact = redactorFor(config);

  it("is driven by the spec's airbyte_secret fields", () => {
    assert.deepEqual(secretFields(), ["api_id", "api_token"]);
  });

  it("masks raw, URL-encoded, JSON-escaped and Basic auth forms", () => {
    const basic = btoa("my-id:s3cr/t+x");
    const text =
      `id my-id token s3cr/t+x url s3cr%2Ft%2Bx json "s3cr\\/t+x" basic ${basic}`;
    const masked = redact(text);
    for (const secret of ["my-id", "s3cr/t+x", "s3cr%2Ft%2Bx", basic]) {
      assert.ok(!masked.includes(secret), `${secret} in ${masked}`);
    }
    assert.ok(masked.includes(REDACTED));
  });

  it("leaves text alone without secrets", () => {
    assert.equal(redactorFor(undefined)("plain"), "plain");
    assert.equal(redactorFor({ api_token: "" })("plain"), "plain");
  });

  it("applies to the strings of every message the writer composes, not to records or states", async () => {
    let out = "";
    const writer = new MessageWriter({
      sink: (text) => {
        out += text;
        return Promise.resolve();
      },
      redact,
      now: () => 1,
    });
    await writer.log("ERROR", "failed with s3cr/t+x");
    await writer.error("system_error", "my-id leaked", "s3cr/t+x");
    await writer.records("tags", [{ name: "kept as is my-id" }]);
    await writer.state("tags", { cursor: "my-id" }, 1);
    await writer.flush();
    const [log, error, record, state] = out.trim().split("\n").map((line) =>
      JSON.parse(line)
    );
    assert.ok(!JSON.stringify([log, error]).includes("s3cr/t+x"));
    assert.ok(!JSON.stringify([log, error]).includes("my-id"));
    assert.equal(record.record.data.name, "kept as is my-id");
    assert.equal(state.state.stream.stream_state.cursor, "my-id");
  });
});

describe("short secrets", () => {
  it("are masked in messages without breaking a protocol line", async () => {
    const fake = await FakeAircall.start({
      apiId: "1",
      apiToken: "a",
      counts: { calls: 120, contacts: 60 },
    });
    const dir = tempDir();
    const config = writeJson(dir, "config.json", {
      ...testConfig(),
      api_id: "1",
      api_token: "a",
    });
    const env = { AIRCALL_API_URL: fake.url };
    const runs = [
      await runCli(["check", "--config", config], env),
      await runCli(["discover", "--config", config], env),
      await runCli([
        "read",
        "--config",
        config,
        "--catalog",
        writeJson(
          dir,
          "catalog.json",
          configuredCatalog(allStreams("incremental")),
        ),
      ], env),
    ];
    await fake.close();
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(protocolErrors(run.messages), []);
    }
    assert.equal(runs[0].messages[0].connectionStatus!.status, "SUCCEEDED");
    assert.equal(
      runs[1].messages[0].catalog!.streams.length,
      STREAMS.length,
    );
    assert.ok(ofType(runs[2].messages, "RECORD").length > 0);
  });
});
