/**
 * Progress a person and the platform can read: the terminal line (tested
 * frame by frame on a fake clock, then for real under a pseudo-terminal
 * against a slow, rate-limited fake) and the LOG lines a non-terminal gets.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import {
  clock,
  LogProgress,
  plural,
  ReadTally,
  TerminalProgress,
  type Ticker,
} from "../src/progress.ts";
import type { LogLevel } from "../src/protocol.ts";
import {
  CLI_COMMAND,
  ofType,
  protocolErrors,
  recordsByStream,
  runCli,
  startFake,
  tempDir,
  testConfig,
  writeJson,
} from "./_helpers.ts";

/** A terminal on a fake clock, with the ticker in the test's hands. */
function terminal() {
  const clockMs = { now: 0 };
  let output = "";
  const ticks: { tick?: () => void; every?: number; stops: number } = {
    stops: 0,
  };
  const ticker: Ticker = (tick, every) => {
    ticks.tick = tick;
    ticks.every = every;
    return () => {
      ticks.tick = undefined;
      ticks.stops++;
    };
  };
  const progress = new TerminalProgress(
    (text) => output += text,
    () => clockMs.now,
    ticker,
  );
  /** The frames drawn since the last call. */
  const frames = () => {
    const drawn = output.split("\r\x1b[2K").filter((f) => f);
    output = "";
    return drawn;
  };
  return { progress, clock: clockMs, ticks, frames };
}

describe("plural and clock", () => {
  it("say 1 record, 2 records, 1,234 records", () => {
    assert.equal(plural(1, "record"), "1 record");
    assert.equal(plural(0, "request"), "0 requests");
    assert.equal(plural(1234, "record"), "1,234 records");
  });
  it("show m:ss and h:mm:ss", () => {
    assert.equal(clock(0), "0:00");
    assert.equal(clock(61_999), "1:01");
    assert.equal(clock(3_726_000), "1:02:06");
  });
});

describe("TerminalProgress", () => {
  it("draws records, percentage, time left, pace, and a clock that ticks through a rate-limit wait", () => {
    const { progress, clock, ticks, frames } = terminal();
    progress.streamStarted("calls");
    assert.deepEqual(frames(), ["calls: 0 records, 0 requests, 0:00 elapsed"]);
    assert.equal(ticks.every, 250, "redrawn at most 4 times a second");

    clock.now = 300;
    progress.requested();
    progress.estimate(200);
    progress.records(50);
    assert.deepEqual(frames(), ["calls: 0 records, 1 request, 0:00 elapsed"]);

    clock.now = 1_300;
    ticks.tick!();
    assert.deepEqual(frames(), [
      "calls: 50 of 200 records (25%), 1 request at 60/min, 0:01 elapsed, about 0:03 left",
    ]);

    clock.now = 1_400;
    progress.requested();
    progress.records(50);
    progress.rateLimited(3_000);
    assert.deepEqual(frames(), [], "not again within 250 ms");
    // Nothing happens during the wait but the ticker: the clock still moves.
    const waiting: string[] = [];
    for (const at of [1_550, 2_550, 3_550]) {
      clock.now = at;
      ticks.tick!();
      waiting.push(...frames());
    }
    assert.deepEqual(waiting, [
      "calls: 100 of 200 records (50%), 2 requests at 96/min, 0:01 elapsed, rate limited: resuming in 3 s",
      "calls: 100 of 200 records (50%), 2 requests at 53/min, 0:02 elapsed, rate limited: resuming in 2 s",
      "calls: 100 of 200 records (50%), 2 requests at 37/min, 0:03 elapsed, rate limited: resuming in 1 s",
    ]);

    clock.now = 4_500;
    progress.requested();
    progress.records(100);
    assert.deepEqual(frames(), [
      "calls: 100 of 200 records (50%), 3 requests at 43/min, 0:04 elapsed, about 0:04 left",
    ]);
    clock.now = 4_600;
    progress.streamEnded("COMPLETE");
    assert.deepEqual(frames(), [
      "calls: 200 of 200 records (100%), 3 requests, 0:04 elapsed, done\n",
    ]);
    assert.equal(ticks.tick, undefined, "the ticker stops with the stream");
    assert.equal(ticks.stops, 1);

    progress.streamStarted("company");
    progress.requested();
    progress.estimate(1);
    progress.records(1);
    progress.streamEnded("COMPLETE");
    progress.streamStarted("tags");
    progress.streamEnded("INCOMPLETE");
    assert.deepEqual(frames(), [
      // The pace is the run's: one scheduler serves every stream.
      "company: 0 records, 0 requests at 42/min, 0:00 elapsed",
      "company: 1 of 1 record (100%), 1 request, 0:00 elapsed, done\n",
      "tags: 0 records, 0 requests at 56/min, 0:00 elapsed",
      "tags: 0 records, 0 requests, 0:00 elapsed, FAILED\n",
    ]);
  });

  it("ends its line when the run is stopped, so the stop message has its own", () => {
    const { progress, ticks, frames } = terminal();
    progress.streamStarted("calls");
    progress.interrupt();
    assert.deepEqual(frames(), [
      "calls: 0 records, 0 requests, 0:00 elapsed\n",
    ]);
    assert.equal(ticks.tick, undefined, "the clock stops");
    progress.interrupt();
    assert.deepEqual(frames(), [], "once");
  });

  it("draws a stream without an estimate with its count only", () => {
    const { progress, clock, ticks, frames } = terminal();
    progress.streamStarted("contacts");
    clock.now = 2_000;
    progress.requested();
    progress.records(1);
    clock.now = 2_400;
    ticks.tick!();
    assert.deepEqual(frames(), [
      "contacts: 0 records, 0 requests, 0:00 elapsed",
      "contacts: 0 records, 1 request, 0:02 elapsed",
      "contacts: 1 record, 1 request, 0:02 elapsed",
    ]);
  });
});

describe("LogProgress", () => {
  it("logs a long stream at most every 30 s and once at its end; nothing per page", async () => {
    let now = 0;
    const logs: [LogLevel, string][] = [];
    const progress = new LogProgress(
      (level, message) => {
        logs.push([level, message]);
        return Promise.resolve();
      },
      () => now,
    );
    await progress.streamStarted("calls");
    for (let page = 1; page <= 35; page++) {
      now = page * 2_000;
      if (page === 20) await progress.rateLimited(5_000);
      await progress.requested();
      if (page === 1) await progress.estimate(1_700);
      await progress.records(50);
    }
    now = 70_500;
    await progress.streamEnded("COMPLETE");
    assert.deepEqual(logs, [
      [
        "INFO",
        "Stream calls: 700 records of about 1,700 (41%) so far, 15 requests, 30 s.",
      ],
      [
        "INFO",
        "Stream calls: 1,450 records of about 1,700 (85%) so far, 30 requests, 1 rate-limit wait, 60 s.",
      ],
      ["INFO", "Stream calls complete: 1,750 records, 35 requests, 70.5 s."],
    ]);

    logs.length = 0;
    await progress.streamStarted("company");
    now = 71_000;
    await progress.requested();
    await progress.records(1);
    await progress.streamEnded("INCOMPLETE");
    assert.deepEqual(logs, [
      ["INFO", "Stream company failed: 1 record, 1 request, 0.5 s."],
    ]);
  });
});

describe("ReadTally", () => {
  it("sums up what a stopped run read, in one line", () => {
    const tally = new ReadTally(() => 0);
    tally.streamStarted("calls");
    tally.records(1_200);
    tally.streamEnded("COMPLETE");
    tally.streamStarted("company");
    tally.records(1);
    tally.streamEnded("INCOMPLETE");
    tally.streamStarted("tags");
    assert.equal(
      tally.summary(),
      "calls (1,200 records, complete), company (1 record, failed) and tags (0 records so far)",
    );
  });
});

/**
 * Runs a command with stderr on a pseudo-terminal (Python's pty module, on
 * every CI machine) and stdout to a file; resolves with what the terminal
 * showed, once the command is done.
 */
const UNDER_PTY = `
import os, pty, subprocess, sys
master, slave = pty.openpty()
with open(sys.argv[1], "wb") as out:
    child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
os.close(slave)
while True:
    try:
        data = os.read(master, 65536)
    except OSError:
        break
    if not data:
        break
    sys.stdout.buffer.write(data)
sys.stdout.flush()
sys.exit(child.wait())
`;

function underPty(
  command: string[],
  stdoutFile: string,
  env: Record<string, string>,
): Promise<{ code: number; shown: string }> {
  const child = spawn("python3", ["-c", UNDER_PTY, stdoutFile, ...command], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let shown = "";
  child.stdout!.on("data", (chunk) => shown += chunk);
  return new Promise((resolve) =>
    child.on("close", (code) => resolve({ code: code ?? -1, shown }))
  );
}

describe("read at a terminal, for real", () => {
  it("shows the line on stderr: percentage to 100, pace, a clock ticking through a wait; stdout stays protocol", async () => {
    // company's request and tags' 13 pages burst into a limit of 13 a
    // minute: the last page waits 4 s.
    const fake = await startFake({
      counts: { tags: 620 },
      faults: {
        rateLimit: {
          limit: 13,
          windowMs: 60_000,
          blockMs: 4_000,
          resetUnit: "ms",
        },
      },
    });
    const dir = tempDir();
    const stdoutFile = join(dir, "stdout.jsonl");
    const config = writeJson(
      dir,
      "config.json",
      testConfig({ max_requests_per_minute: 600 }),
    );
    const started = performance.now();
    const { code, shown } = await underPty(
      [...CLI_COMMAND, "read", "--config", config, "--streams", "tags,company"],
      stdoutFile,
      { AIRCALL_API_URL: fake.url },
    );
    const seconds = (performance.now() - started) / 1000;
    await fake.close();
    assert.equal(code, 0, shown);
    const messages = readFileSync(stdoutFile, "utf8").trim().split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(protocolErrors(messages), []);
    assert.equal(recordsByStream(messages).get("tags")!.length, 620);
    assert.doesNotMatch(
      shown,
      /"type":/,
      "no protocol message on the terminal",
    );

    const frames = shown.replaceAll("\r\x1b[2K", "\n").split(/\r?\n/)
      .filter((f) => f.trim());
    for (const frame of frames) assert.match(frame, /^(tags|company): /);
    // The wait: the countdown falls while the elapsed clock moves on.
    const waits = frames.map((f) =>
      /, (\d+:\d\d) elapsed, rate limited: resuming in (\d+) s$/.exec(f)
    ).filter((m) => m !== null);
    const elapsed = new Set(waits.map((m) => m![1]));
    const countdown = waits.map((m) => Number(m![2]));
    assert.ok(elapsed.size >= 3, `clock during the wait: ${[...elapsed]}`);
    assert.ok(countdown[0] >= 3 && countdown.at(-1)! <= 1, `${countdown}`);
    assert.ok(countdown.every((n, i) => i === 0 || n <= countdown[i - 1]));
    // A percentage and time left from the ESTIMATE, the pace, and the end.
    assert.ok(
      frames.some((f) =>
        /^tags: [\d,]+ of 620 records \(\d+%\), \d+ requests at \d+\/min, \d:\d\d elapsed, about \d:\d\d left$/
          .test(f)
      ),
    );
    assert.ok(
      frames.some((f) =>
        /^tags: 620 of 620 records \(100%\), \d+ requests, \d:\d\d elapsed, done$/
          .test(f)
      ),
    );
    assert.ok(
      frames.some((f) =>
        /^company: 1 of 1 record \(100%\), 1 request, \d:\d\d elapsed, done$/
          .test(f)
      ),
    );
    // At most a few redraws a second (4, plus the first and last of each stream).
    assert.ok(
      frames.length <= seconds * 4 + 6,
      `${frames.length} frames in ${seconds} s`,
    );
  });
});

describe("read without a terminal (the platform, cron)", () => {
  it("logs a long stream every 30 s at most, and each stream's end: records, requests, seconds", async () => {
    const fake = await startFake({ counts: { tags: 900 } });
    // 18 pages at 32 a minute: about 32 s.
    const config = writeJson(
      tempDir(),
      "config.json",
      testConfig({ max_requests_per_minute: 32 }),
    );
    const started = performance.now();
    const run = await runCli(
      ["read", "--config", config, "--streams", "company,tags"],
      { AIRCALL_API_URL: fake.url },
    );
    const seconds = (performance.now() - started) / 1000;
    await fake.close();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "", "nothing on stderr");
    assert.deepEqual(protocolErrors(run.messages), []);
    const info = ofType(run.messages, "LOG")
      .filter((m) => m.log!.level === "INFO").map((m) => m.log!.message);
    const during = info.filter((m) => / so far, /.test(m));
    assert.ok(during.length >= 1, info.join("\n"));
    assert.ok(during.length <= Math.floor(seconds / 30), info.join("\n"));
    for (const line of during) {
      assert.match(
        line,
        /^Stream tags: [\d,]+ records of about 900 \(\d+%\) so far, \d+ requests, \d+ s\.$/,
      );
    }
    const ends = info.filter((m) => !/ so far, /.test(m));
    assert.equal(ends.length, 2, info.join("\n"));
    assert.match(
      ends[0],
      /^Stream company complete: 1 record, 1 request, \d+\.\d s\.$/,
    );
    assert.match(
      ends[1],
      /^Stream tags complete: 900 records, 18 requests, (\d+\.\d) s\.$/,
    );
    assert.ok(Number(/(\d+\.\d) s\.$/.exec(ends[1])![1]) >= 30);
  });
});
