/**
 * Quiet, clean exits: a closed stdout ends the run at once with 141 and
 * nothing on stderr; SIGINT and SIGTERM end it with 130 and 143 and one
 * line saying what was read and where to resume.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  CLI_COMMAND,
  lastStates,
  ofType,
  protocolErrors,
  readFake,
  recordsByStream,
  REPORT_STATUS,
  spawnCli,
  startFake,
  tempDir,
  testConfig,
  writeJson,
} from "./_helpers.ts";

/** Quotes a word for bash. */
function quoted(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

describe("a closed stdout", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await startFake({ counts: { calls: 3_000 } });
  });
  after(() => fake.close());

  it("`read | head -n 1` ends at once: exit 141, nothing on stderr, no request after it", async () => {
    // Paced at 600 a minute: the whole read would take 6 s and 60 requests.
    const config = writeJson(
      tempDir(),
      "config.json",
      testConfig({ max_requests_per_minute: 600 }),
    );
    const command = [
      "python3",
      "-c",
      REPORT_STATUS,
      ...CLI_COMMAND,
      "read",
      "--config",
      config,
      "--streams",
      "calls",
    ]
      .map(quoted).join(" ");
    fake.requests.length = 0;
    const started = performance.now();
    const child = spawn("bash", [
      "-c",
      `${command} | head -n 1`,
    ], {
      env: { ...process.env, AIRCALL_API_URL: fake.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => stdout += chunk);
    child.stderr.on("data", (chunk) => stderr += chunk);
    await new Promise((resolve) => child.on("close", resolve));
    const seconds = (performance.now() - started) / 1000;
    assert.equal(stderr, "exit 141\n", "no stack trace, no message; exit 141");
    const lines = stdout.split("\n");
    assert.equal(lines.length, 2);
    assert.deepEqual(protocolErrors([JSON.parse(lines[0])]), []);
    // The first page's write fills the pipe; the one after it finds it closed.
    assert.ok(fake.requests.length <= 4, `${fake.requests.length} requests`);
    assert.ok(seconds < 5, `${seconds} s`);
    const requests = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(fake.requests.length, requests, "nothing after the exit");
  });
});

describe("SIGINT and SIGTERM", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await startFake({ counts: { contacts: 3_000, calls: 12_000 } });
  });
  after(() => fake.close());

  /**
   * Reads `streams` at `pace` requests a minute and sends `signal` once,
   * when what stdout printed so far satisfies `when`.
   */
  async function stopWhen(
    streams: string,
    pace: number,
    signal: "SIGINT" | "SIGTERM",
    when: (stdout: string) => boolean,
  ) {
    const config = writeJson(
      tempDir(),
      "config.json",
      testConfig({ max_requests_per_minute: pace }),
    );
    const running = spawnCli(
      ["read", "--config", config, "--streams", streams],
      { AIRCALL_API_URL: fake.url },
      ["python3", "-c", REPORT_STATUS, ...CLI_COMMAND],
    );
    let seen: string | undefined = "";
    running.child.stdout!.on("data", (chunk: Buffer) => {
      if (seen === undefined) return;
      seen += chunk;
      if (when(seen)) {
        running.child.kill(signal);
        seen = undefined;
      }
    });
    const run = await running.result;
    // (Node's child_process under Deno reports the signal it sent as how
    // the wrapper ended, whatever its status: the line below is the truth.)
    const lines = run.stderr.split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(
      lines.pop(),
      `exit ${signal === "SIGINT" ? 130 : 143}`,
      "it exited, not killed",
    );
    assert.deepEqual(protocolErrors(run.messages), []);
    assert.equal(lines.length, 1, run.stderr);
    return { ...run, line: lines[0] };
  }

  const contactRecords = (stdout: string) =>
    (stdout.match(/"stream":"contacts"/g) ?? []).length;
  const RESUME =
    "the last STATE printed on stdout is where to resume \\(pass the STATE messages back with --state\\)";

  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal}: exit ${code}, whole lines on stdout, one stderr line with what was read and where to resume`, async () => {
      // Paced at 300 a minute: contacts would take 12 s. Stopped in the
      // middle of contacts, after a finished stream: company has a STATE,
      // contacts none yet (a first read saves it at the end).
      const run = await stopWhen(
        "company,contacts",
        300,
        signal,
        (stdout) => contactRecords(stdout) >= 100,
      );
      const records = recordsByStream(run.messages);
      assert.equal(records.get("company")!.length, 1);
      const contacts = records.get("contacts")!.length;
      assert.ok(contacts >= 100 && contacts < 3_000, `${contacts}`);
      assert.deepEqual(
        lastStates(run.messages).map((state) =>
          state!.stream.stream_descriptor.name
        ),
        ["company"],
      );
      const match = new RegExp(
        `^source-aircall: stopped by ${signal} after reading company \\(1 record, complete\\) and contacts \\(([\\d,]+) records so far\\); ${RESUME}; no STATE yet for contacts: a rerun starts it from start_date\\.$`,
      ).exec(run.line);
      assert.ok(match, run.line);
      // What it says was read was printed (a page may be written, not yet counted).
      const said = Number(match[1].replaceAll(",", ""));
      assert.ok(
        said <= contacts && contacts - said <= 50,
        `${said}, ${contacts}`,
      );

      // Resuming from the last STATE printed finishes the job.
      const resumed = await readFake(fake, { contacts: "incremental" }, {
        state: lastStates(run.messages),
      });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.equal(ofType(resumed.messages, "TRACE", "ERROR").length, 0);
      assert.equal(
        recordsByStream(resumed.messages).get("contacts")!.length,
        3_000,
      );
    });
  }

  it("claims no STATE to resume from when none was printed", async () => {
    const run = await stopWhen(
      "contacts",
      300,
      "SIGINT",
      (stdout) => contactRecords(stdout) >= 100,
    );
    assert.deepEqual(ofType(run.messages, "STATE"), []);
    assert.match(
      run.line,
      /^source-aircall: stopped by SIGINT after reading contacts \([\d,]+ records so far\); no STATE yet: a rerun starts from start_date\.$/,
    );
  });

  it("writes the checkpoint held back and claims it for the stream it stopped in", async () => {
    // 12,000 calls are read in two windows, each checkpointed when it ends;
    // the first one's is held back (a STATE a minute at most) until the
    // stop, in the second window, writes it.
    const callRecords = (stdout: string) =>
      (stdout.match(/"stream":"calls"/g) ?? []).length;
    const run = await stopWhen(
      "calls",
      6_000,
      "SIGTERM",
      (stdout) => callRecords(stdout) >= 9_000,
    );
    const calls = recordsByStream(run.messages).get("calls")!.length;
    assert.ok(calls < 12_000, `${calls}`);
    assert.equal(lastStates(run.messages).length, 1);
    assert.match(
      run.line,
      new RegExp(
        `^source-aircall: stopped by SIGTERM after reading calls \\([\\d,]+ records so far\\); ${RESUME}\\.$`,
      ),
    );
  });
});
