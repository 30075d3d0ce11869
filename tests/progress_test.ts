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

/**
 * A terminal on a fake clock, with the ticker in the test's hands; as wide
 * as `columns` says (wider than any line, unless told).
 */
function terminal(columns: () => number | undefined = () => 200) {
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
    columns,
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

describe("TerminalProgress notes", () => {
  it("shows a reader's note on rows of its own above the line, then draws the line again", () => {
    const { progress, clock, frames } = terminal();
    progress.streamStarted("call_summaries");
    frames();
    progress.note(
      "INFO",
      "call_summaries: 640 of the 1,000 calls listed can have one: 640 requests, about 11 min at 60 requests per minute.",
    );
    assert.deepEqual(frames(), [
      "call_summaries: 640 of the 1,000 calls listed can have one: 640 requests, about 11 min at 60 requests per minute.\n",
      "call_summaries: 0 records, 0 requests, 0:00 elapsed",
    ]);
    clock.now = 100;
    progress.note(
      "WARN",
      "3 of the 12,000 calls sharing started_at 5 cannot be read.",
    );
    assert.deepEqual(frames(), [
      "Warning: 3 of the 12,000 calls sharing started_at 5 cannot be read.\n",
      "call_summaries: 0 records, 0 requests, 0:00 elapsed",
    ]);
    progress.streamEnded("COMPLETE");
    frames();
    progress.note("INFO", "Between streams.");
    assert.deepEqual(frames(), ["Between streams.\n"], "no line to draw again");
  });

  it("are the LOG lines' business alone without a terminal", () => {
    const logs: string[] = [];
    const progress = new LogProgress((_level, message) => {
      logs.push(message);
      return Promise.resolve();
    }, () => 0);
    progress.streamStarted("call_summaries");
    progress.note("INFO", "logged by the engine already");
    assert.deepEqual(logs, []);
  });
});

describe("TerminalProgress on a narrow terminal", () => {
  /**
   * Every frame of a long stream's read: a rate-limit wait, time left, its
   * end; then a short stream that fails.
   */
  function frames(columns: () => number | undefined): string[] {
    const { progress, clock, ticks, frames } = terminal(columns);
    const drawn: string[] = [];
    progress.streamStarted("call_playbook_results");
    drawn.push(...frames());
    clock.now = 1_000;
    progress.requested();
    progress.estimate(123_456);
    progress.records(12_345);
    progress.rateLimited(3_000);
    drawn.push(...frames());
    for (const at of [1_300, 2_300, 3_300]) {
      clock.now = at;
      ticks.tick!();
      drawn.push(...frames());
    }
    clock.now = 4_500;
    progress.requested();
    progress.records(50_000);
    drawn.push(...frames());
    clock.now = 9_000;
    progress.requested();
    progress.records(61_111);
    progress.streamEnded("COMPLETE");
    progress.streamStarted("tags");
    progress.streamEnded("INCOMPLETE");
    drawn.push(...frames());
    return drawn;
  }

  it("draws the whole line where it fits", () => {
    const wide = frames(() => 1_000);
    assert.deepEqual(frames(() => 200), wide);
    assert.ok(wide.some((frame) => frame.length > 80), "some lines are long");
  });

  for (const columns of [120, 80, 60, 40, 24, 12, 2]) {
    it(`never wraps at ${columns} columns: every frame fits with a column to spare`, () => {
      const drawn = frames(() => columns);
      assert.ok(drawn.length >= 2, "a frame per stream at least");
      for (const frame of drawn) {
        const line = frame.replace(/\n$/, "");
        assert.ok(!line.includes("\n"), line);
        assert.ok(line.length <= columns - 1, `${line} (${columns})`);
      }
    });
  }

  it("drops the requests, then the clock, then words, and cuts last", () => {
    const { progress, clock } = terminal();
    progress.streamStarted("call_playbook_results");
    clock.now = 1_000;
    progress.requested();
    progress.estimate(123_456);
    progress.records(12_345);
    progress.rateLimited(3_000);
    const figures = progress.current!;
    const at = (width: number) => progress.line(figures, width);
    const whole = at(Infinity);
    assert.equal(
      whole,
      "call_playbook_results: 12,345 of 123,456 records (9%), 1 request, 0:01 elapsed, rate limited: resuming in 3 s",
    );
    assert.equal(at(whole.length), whole);
    assert.equal(
      at(whole.length - 1),
      "call_playbook_results: 12,345 of 123,456 records (9%), 0:01 elapsed, rate limited: resuming in 3 s",
    );
    assert.equal(
      at(90),
      "call_playbook_results: 12,345 of 123,456 records (9%), rate limited: resuming in 3 s",
    );
    // An 80-column terminal: the countdown stays.
    assert.equal(
      at(79),
      "call_playbook_results: 12,345/123,456 (9%), rate limited: resuming in 3 s",
    );
    assert.equal(at(30), "call_playbook_results: 12,345…");
    assert.equal(at(1), "…");
  });

  it("takes a terminal that does not say its width as 80 columns", () => {
    assert.deepEqual(frames(() => undefined), frames(() => 80));
    assert.notDeepEqual(frames(() => 80), frames(() => 200));
  });

  it("follows a resized terminal from the next frame on", () => {
    let columns = 200;
    const { progress, clock, ticks, frames } = terminal(() => columns);
    progress.streamStarted("call_playbook_results");
    clock.now = 1_000;
    progress.requested();
    progress.estimate(123_456);
    progress.records(12_345);
    assert.ok(frames().some((frame) => frame.length > 40));
    columns = 40;
    clock.now = 1_300;
    ticks.tick!();
    const drawn = frames();
    assert.equal(drawn.length, 1);
    assert.ok(drawn[0].length <= 39, drawn[0]);
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
 * every CI machine) of a given width and stdout to a file; resolves with
 * what the terminal showed, once the command is done.
 */
const UNDER_PTY = `
import fcntl, os, pty, struct, subprocess, sys, termios
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, int(sys.argv[1]), 0, 0))
with open(sys.argv[2], "wb") as out:
    child = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
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

/**
 * The frames the connector drew: its redraws split apart, without the
 * clearing of Deno's own progress bar (shown while it starts, on a terminal
 * that says its width).
 */
function ownFrames(shown: string): string[] {
  return shown.replaceAll("\x1b[0G\x1b[2K\x1b[J", "")
    .replaceAll("\r\x1b[2K", "\n").split(/\r?\n/).filter((f) => f.trim());
}

function underPty(
  command: string[],
  stdoutFile: string,
  env: Record<string, string>,
  columns = 200,
): Promise<{ code: number; shown: string }> {
  const child = spawn("python3", [
    "-c",
    UNDER_PTY,
    String(columns),
    stdoutFile,
    ...command,
  ], {
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

    const frames = ownFrames(shown);
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

describe("read at a terminal, for real: the readers' notes", () => {
  it("shows what a Conversation Intelligence stream will cost on stderr, as well as in a LOG line on stdout", async () => {
    const fake = await startFake({ counts: { calls: 120 } });
    const dir = tempDir();
    const stdoutFile = join(dir, "stdout.jsonl");
    const config = writeJson(dir, "config.json", testConfig());
    const { code, shown } = await underPty(
      [
        ...CLI_COMMAND,
        "read",
        "--config",
        config,
        "--streams",
        "call_summaries",
      ],
      stdoutFile,
      { AIRCALL_API_URL: fake.url },
    );
    await fake.close();
    assert.equal(code, 0, shown);
    const messages = readFileSync(stdoutFile, "utf8").trim().split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(protocolErrors(messages), []);
    const cost = ofType(messages, "LOG").map((m) => m.log!.message)
      .find((m) => / calls listed( so far)? can have one: /.test(m));
    assert.ok(cost, JSON.stringify(ofType(messages, "LOG")));
    const rows = ownFrames(shown);
    assert.ok(rows.includes(cost), rows.join("\n"));
    // Above the progress line, which goes on below it to the end.
    const at = rows.indexOf(cost);
    assert.match(rows[at + 1], /^call_summaries: /);
    assert.match(rows.at(-1)!, /^call_summaries: .*, done$/);
  });
});

describe("read at a narrow terminal, for real", () => {
  it("fits every frame to the terminal's width: one row per stream, nothing wrapped", async () => {
    const fake = await startFake({ counts: { tags: 620 } });
    const dir = tempDir();
    const config = writeJson(
      dir,
      "config.json",
      testConfig({ max_requests_per_minute: 600 }),
    );
    const { code, shown } = await underPty(
      [...CLI_COMMAND, "read", "--config", config, "--streams", "tags,company"],
      join(dir, "stdout.jsonl"),
      { AIRCALL_API_URL: fake.url },
      40,
    );
    await fake.close();
    assert.equal(code, 0, shown);
    const frames = ownFrames(shown);
    assert.ok(frames.length >= 3, shown);
    for (const frame of frames) {
      assert.ok(frame.length <= 39, `${frame.length}: ${frame}`);
      assert.match(frame, /^(tags|company): /);
    }
    // Each stream ends its row once: the terminal shows two rows.
    assert.equal(shown.split("\n").length - 1, 2, shown);
    assert.ok(
      frames.includes("tags: 620 of 620 records (100%), done"),
      frames.join("\n"),
    );
    // Narrowed while it ran: the count said briefly, the requests dropped.
    assert.ok(
      frames.some((f) => /^tags: [\d,]+\/620 \(\d+%\), /.test(f)),
      frames.join("\n"),
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
