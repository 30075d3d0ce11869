/**
 * Fail fast and say why: a rejected key stops the run at the first 401/403;
 * a connection that cannot be made names the host and the cause; `check`
 * gives up within 10 s (a missing Deno permission: permissions_test.ts).
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { STREAMS } from "../src/streams/mod.ts";
import {
  type FakeAircall,
  POSITIONAL_CAP_EXPLANATION,
} from "./fake_aircall/mod.ts";
import {
  assertOneFailure,
  type CliRun,
  ofType,
  readFake,
  runCli,
  startFake,
  tempDir,
  testConfig,
  verdict,
  writeJson,
} from "./_helpers.ts";

/** A local port where nothing listens: connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Names of the streams that got a STREAM_STATUS. */
function streamsTouched(run: CliRun): string[] {
  return [
    ...new Set(
      ofType(run.messages, "TRACE", "STREAM_STATUS").map((m) =>
        m.trace!.stream_status!.stream_descriptor.name
      ),
    ),
  ];
}

describe("a rejected API key stops the run at the first 401 or 403", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await startFake({ counts: { calls: 100, contacts: 100 } });
  });
  after(() => fake.close());

  it("403 on the first stream: one config_error, one stderr line, no later stream read", async () => {
    fake.requests.length = 0;
    const config = writeJson(
      tempDir(),
      "config.json",
      testConfig({ api_token: "wrong-token-Qp3" }),
    );
    const run = await runCli(
      ["read", "--config", config, "--streams", "all"],
      { AIRCALL_API_URL: fake.url },
    );
    const error = assertOneFailure(
      run,
      /Aircall rejected the API key \(HTTP 403\); check api_id and api_token\./,
    );
    // The calls stream is read first: the per-call streams share its list.
    const first = "calls";
    assert.equal(error.stream_descriptor?.name, first);
    assert.match(
      run.stderr,
      new RegExp(
        `stream ${first} failed: .* The sync stopped there: ${
          STREAMS.length - 1
        } other streams not read\\.`,
      ),
    );
    assert.deepEqual(streamsTouched(run), [first]);
    assert.deepEqual(
      ofType(run.messages, "TRACE", "STREAM_STATUS").map((m) =>
        m.trace!.stream_status!.status
      ),
      ["STARTED", "INCOMPLETE"],
    );
    assert.ok(fake.requests.length <= 2, `${fake.requests.length} requests`);
    assert.ok(fake.requests.every((r) => r.status === 403));
  });

  it("401 on a later stream: the streams before it complete, the rest are not read", async () => {
    fake.interceptors.push((request) =>
      request.path === "/v1/tags"
        ? { status: 401, body: { message: "Unauthorized" } }
        : undefined
    );
    const config = writeJson(tempDir(), "config.json", testConfig());
    const run = await runCli(
      ["read", "--config", config, "--streams", "company,tags,teams,users"],
      { AIRCALL_API_URL: fake.url },
    );
    fake.interceptors.length = 0;
    const error = assertOneFailure(
      run,
      /Aircall rejected the API key \(HTTP 401\)/,
    );
    assert.equal(error.stream_descriptor?.name, "tags");
    assert.match(run.stderr, /2 other streams not read/);
    assert.deepEqual(streamsTouched(run), ["company", "tags"]);
  });

  it("other failures still end only their stream", async () => {
    fake.interceptors.push((request) =>
      request.path === "/v1/tags"
        ? { status: 404, body: { message: "Not Found" } }
        : undefined
    );
    const config = writeJson(tempDir(), "config.json", testConfig());
    const run = await runCli(
      ["read", "--config", config, "--streams", "tags,teams"],
      { AIRCALL_API_URL: fake.url },
    );
    fake.interceptors.length = 0;
    assert.equal(run.code, 1);
    assert.deepEqual(streamsTouched(run), ["tags", "teams"]);
    assert.doesNotMatch(run.stderr, /stopped/);
  });
});

describe("a connection that cannot be made names the host and the cause", () => {
  let config: string;
  before(() => {
    config = writeJson(tempDir(), "config.json", testConfig());
  });

  it("check on a refused port: FAILED within 10 s, naming host, cause and AIRCALL_API_URL", async () => {
    const port = await refusedPort();
    const started = performance.now();
    const run = await runCli(["check", "--config", config], {
      AIRCALL_API_URL: `http://127.0.0.1:${port}`,
    });
    const seconds = (performance.now() - started) / 1000;
    const status = verdict(run);
    assert.equal(status.status, "FAILED");
    assert.equal(
      status.message,
      `Cannot connect to 127.0.0.1:${port}: connection refused; check AIRCALL_API_URL.`,
    );
    // Two retries (about 1 s and 2 s of backoff): well inside 10 s.
    assert.ok(seconds < 10, `${seconds} s`);
    assert.equal(ofType(run.messages, "LOG").length, 2, "two retries");
  });

  it("read on a refused port: the first request retried twice, then the run stops", async () => {
    const port = await refusedPort();
    const started = performance.now();
    const run = await runCli(["read", "--config", config, "--streams", "all"], {
      AIRCALL_API_URL: `http://127.0.0.1:${port}`,
    });
    const seconds = (performance.now() - started) / 1000;
    assertOneFailure(
      run,
      new RegExp(
        `Cannot connect to 127\\.0\\.0\\.1:${port}: connection refused; check AIRCALL_API_URL\\.`,
      ),
    );
    const retries = ofType(run.messages, "LOG")
      .filter((m) => /; retry \d in/.test(m.log!.message));
    assert.equal(retries.length, 2);
    assert.deepEqual(streamsTouched(run), ["calls"]);
    assert.ok(seconds < 10, `${seconds} s`);
  });

  it("a port fetch blocks (the issue's 127.0.0.1:9): said at once, not retried", async () => {
    const run = await runCli(["check", "--config", config], {
      AIRCALL_API_URL: "http://127.0.0.1:9",
    });
    assert.deepEqual(verdict(run), {
      status: "FAILED",
      message:
        "Cannot connect to 127.0.0.1:9: fetch does not allow port 9; check AIRCALL_API_URL.",
    });
    assert.equal(ofType(run.messages, "LOG").length, 0, "no retry");
  });

  it("a host that does not resolve: DNS", async () => {
    const run = await runCli(["check", "--config", config], {
      AIRCALL_API_URL: "http://no-such-host.invalid",
    });
    const status = verdict(run);
    assert.equal(status.status, "FAILED");
    assert.equal(
      status.message,
      "Cannot connect to no-such-host.invalid:80: the host name does not resolve (DNS); check AIRCALL_API_URL.",
    );
  });

  it("a server that does not speak TLS: the handshake", async () => {
    const fake = await startFake();
    try {
      const origin = fake.url.replace("http:", "https:");
      const run = await runCli(["check", "--config", config], {
        AIRCALL_API_URL: origin,
      });
      const status = verdict(run);
      assert.equal(status.status, "FAILED");
      assert.match(
        status.message!,
        new RegExp(
          `^Cannot connect to 127\\.0\\.0\\.1:${
            new URL(origin).port
          }: the TLS handshake failed \\(.+\\); check AIRCALL_API_URL\\.$`,
        ),
      );
    } finally {
      await fake.close();
    }
  });

  it("check gives up within 10 s when Aircall does not answer", async () => {
    const fake = await startFake({ faults: { stallRate: 1 } });
    try {
      const started = performance.now();
      const run = await runCli(["check", "--config", config], {
        AIRCALL_API_URL: fake.url,
      });
      const seconds = (performance.now() - started) / 1000;
      const status = verdict(run);
      assert.equal(status.status, "FAILED");
      assert.match(
        status.message!,
        /^Aircall did not answer GET \/v1\/ping within 10 s \(no response headers within \d+ ms\); try again later\.$/,
      );
      // 10 s and the process's start; generous for a shared machine.
      assert.ok(seconds < 14, `${seconds} s`);
    } finally {
      await fake.close();
    }
  });
});

describe("a refusal says why in Aircall's own words", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await startFake({ counts: { tags: 120 } });
  });
  after(() => fake.close());

  it("the cap's 400: the TRACE ERROR and the stderr line give its explanation, one line", async () => {
    // Page 2 of the tags is answered as a page past the cap would be.
    fake.interceptors.push((request) => {
      if (request.path !== "/v1/tags" || request.search.get("page") !== "2") {
        return undefined;
      }
      const search = new URLSearchParams(request.search);
      search.set("page", "201");
      return fake.handle({ ...request, search });
    });
    const run = await readFake(fake, { tags: "full_refresh" });
    fake.interceptors.length = 0;
    const error = assertOneFailure(
      run,
      /Aircall refused GET \/v1\/tags\?.*page=2.* with HTTP 400: Your query is limited to 10k results, please use timestamps/,
      { failureType: "system_error" },
    );
    assert.ok(error.message.endsWith(POSITIONAL_CAP_EXPLANATION));
    assert.doesNotMatch(run.stdout + run.stderr, /BAD_REQUEST/);
  });
});
