import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  type CliRun,
  protocolErrors,
  runCli,
  startFake,
  tempDir,
  TEST_API_ID,
  TEST_API_TOKEN,
  testConfig,
  writeJson,
} from "./_helpers.ts";

describe("check", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await startFake({ counts: { calls: 10, contacts: 10 } });
  });
  after(() => fake.close());

  async function check(config: unknown): Promise<CliRun> {
    const path = writeJson(tempDir(), "config.json", config);
    return await runCli(["check", "--config", path], {
      AIRCALL_API_URL: fake.url,
    });
  }

  function verdict(run: CliRun): { status: string; message?: string } {
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(protocolErrors(run.messages), []);
    assert.equal(run.messages.length, 1, run.stdout);
    assert.equal(run.messages[0].type, "CONNECTION_STATUS");
    for (const secret of [TEST_API_ID, TEST_API_TOKEN]) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
    }
    return run.messages[0].connectionStatus!;
  }

  it("succeeds with one request to /v1/ping", async () => {
    fake.requests.length = 0;
    assert.deepEqual(verdict(await check(testConfig())), {
      status: "SUCCEEDED",
    });
    assert.deepEqual(fake.requests.map((r) => `${r.path} ${r.status}`), [
      "/v1/ping 200",
    ]);
  });

  it("fails clearly on a wrong token (403)", async () => {
    const status = verdict(
      await check(testConfig({ api_token: "wrong-token-Qp3" })),
    );
    assert.equal(status.status, "FAILED");
    assert.match(status.message!, /rejected the API key \(HTTP 403\)/);
    assert.match(status.message!, /check api_id and api_token/);
  });

  it("fails clearly on an invalid config, without a request", async () => {
    fake.requests.length = 0;
    const status = verdict(await check({ api_id: TEST_API_ID }));
    assert.equal(status.status, "FAILED");
    assert.match(status.message!, /api_token is required/);
    assert.equal(fake.requests.length, 0);
  });

  it("fails clearly, exit 0, on an AIRCALL_API_URL that is not a URL", async () => {
    const path = writeJson(tempDir(), "config.json", testConfig());
    const run = await runCli(["check", "--config", path], {
      AIRCALL_API_URL: "not a url",
    });
    const status = verdict(run);
    assert.equal(status.status, "FAILED");
    assert.match(
      status.message!,
      /AIRCALL_API_URL "not a url" is not an http\(s\) URL/,
    );
  });

  it("fails clearly on a config file that is not JSON, quoting none of it", async () => {
    const secretish =
      `{"api_id": "${TEST_API_ID}", "api_token": ${TEST_API_TOKEN}}`;
    const run = await check(secretish);
    const status = verdict(run);
    assert.equal(status.status, "FAILED");
    assert.match(
      status.message!,
      /config.json is not valid JSON.*; fix its syntax\.$/,
    );
  });
});
