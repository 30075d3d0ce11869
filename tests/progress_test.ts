import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { TerminalProgress } from "../src/progress.ts";
import {
  allStreams,
  CLI_COMMAND,
  ofType,
  protocolErrors,
  readArgs,
  startFake,
  tempDir,
} from "./_helpers.ts";

describe("TerminalProgress", () => {
  it("redraws one line per stream in place: records, pages, rate-limit waits", () => {
    let time = 0;
    let out = "";
    const progress = new TerminalProgress((text) => out += text, () => time);
    progress.streamStarted("calls");
    time += 100;
    progress.records(50);
    time += 10; // too soon to redraw
    progress.records(50);
    time += 200;
    progress.records(1);
    progress.rateLimited(42_000);
    time += 2_000;
    progress.streamEnded("COMPLETE");
    progress.streamStarted("tags");
    progress.streamEnded("INCOMPLETE");
    const frames = out.split("\r\x1b[2K").filter((f) => f);
    assert.deepEqual(frames, [
      "calls: 0 records, 0 pages, 0.0 s",
      "calls: 50 records, 1 page, 0.1 s",
      "calls: 101 records, 3 pages, 0.3 s",
      "calls: 101 records, 3 pages, 0.3 s, rate limited: resuming in 42 s",
      "calls: 101 records, 3 pages, 2.3 s, done\n",
      "tags: 0 records, 0 pages, 0.0 s",
      "tags: 0 records, 0 pages, 0.0 s, FAILED\n",
    ]);
  });
});

describe("read at a terminal", () => {
  it("shows progress on stderr, keeps stdout for protocol messages", async () => {
    const fake = await startFake({ counts: { calls: 300 } });
    const dir = tempDir();
    const stdout = join(dir, "stdout.jsonl");
    const terminal = join(dir, "terminal.log");
    const command = [
      ...CLI_COMMAND,
      ...readArgs(allStreams("full_refresh")),
    ].map((word) => `'${word}'`).join(" ");
    // `script` gives the command a terminal; stdout still goes to a file.
    const child = spawn("script", [
      "--quiet",
      "--return",
      "--command",
      `${command} > '${stdout}'`,
      terminal,
    ], {
      env: { ...process.env, AIRCALL_API_URL: fake.url },
      stdio: "ignore",
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    await fake.close();
    assert.equal(code, 0);
    const messages = readFileSync(stdout, "utf8").trim().split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(protocolErrors(messages), []);
    assert.equal(ofType(messages, "RECORD").length > 300, true);
    const shown = readFileSync(terminal, "utf8");
    assert.match(shown, /calls: [\d,]+ records, \d+ pages, [\d.]+ s, done/);
    assert.match(shown, /webhooks: 53 records, 2 pages, [\d.]+ s, done/);
    assert.doesNotMatch(shown, /"type":"RECORD"/);
  });
});
