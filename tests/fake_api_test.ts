/**
 * `deno task fake`: the fake Aircall API for trying the connector by hand and
 * for the release workflow's smoke tests. Run as the task itself, in a
 * subprocess: it serves and prints its URL until stopped, or runs a command
 * against itself and passes on its exit code.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { fakeConfig, parseFakeApiArgs } from "../scripts/fake_api.ts";
import { CLI_COMMAND, ROOT, tempDir } from "./_helpers.ts";

/** `deno task fake ARGS`, from the repository root. */
const FAKE_TASK = [process.execPath, "task", "--quiet", "fake"];

/** The task's own command, without the task runner between it and a signal. */
const FAKE_COMMAND: string[] = JSON.parse(
  readFileSync(join(ROOT, "deno.json"), "utf8"),
).tasks.fake.command.split(" ").map((part: string) =>
  part === "deno" ? process.execPath : part
);

function _fake(args: string[]) {
  return spawnSync(FAKE_TASK[0], [...FAKE_TASK.slice(1), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

/** A `deno eval` command line. */
function _eval(code: string): string[] {
  return [process.execPath, "eval", code];
}

describe("deno task fake", () => {
  it("serves until stopped: prints its URL on stdout and answers with the config it wrote", async () => {
    const config = join(tempDir(), "config.json");
    const child = spawn(
      FAKE_COMMAND[0],
      [...FAKE_COMMAND.slice(1), "--config", config],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => stderr += chunk);
    const exited = once(child, "close");
    let url: string;
    try {
      [url] = await once(createInterface({ input: child.stdout }), "line");
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const written = JSON.parse(readFileSync(config, "utf8"));
      assert.deepEqual(written, fakeConfig());
      const auth = btoa(`${written.api_id}:${written.api_token}`);
      const ping = await fetch(`${url}/v1/ping`, {
        headers: { authorization: `Basic ${auth}` },
      });
      assert.deepEqual(await ping.json(), { ping: "pong" });
      const wrong = await fetch(`${url}/v1/ping`, {
        headers: { authorization: `Basic ${btoa("a:b")}` },
      });
      assert.equal(wrong.status, 403);
      await wrong.body?.cancel();
      assert.match(stderr, /Ctrl-C stops it/);
    } finally {
      child.kill("SIGTERM");
    }
    await exited;
    // It stops itself on SIGTERM where the platform has it (Windows only
    // terminates a process), and nothing answers there any more.
    if (process.platform !== "win32") {
      assert.match(stderr, /\nStopping the fake Aircall API\.\n$/);
    }
    await assert.rejects(fetch(`${url}/v1/ping`));
  });

  it("runs a command against itself: the connector's check succeeds, stdout is the command's alone", () => {
    const config = join(tempDir(), "config.json");
    const run = _fake([
      "--config",
      config,
      "--",
      ...CLI_COMMAND,
      "check",
      "--config",
      config,
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}\n',
    );
    assert.match(run.stderr, /^Fake Aircall API on http:\/\/127\.0\.0\.1:\d+/);
  });

  it("gives the command AIRCALL_API_URL, stops once it ends, and exits with its exit code", async () => {
    const run = _fake([
      "--",
      ..._eval(
        "console.log(Deno.env.get('AIRCALL_API_URL')); Deno.exit(3)",
      ),
    ]);
    assert.equal(run.status, 3, run.stderr);
    const url = run.stdout.trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await assert.rejects(fetch(`${url}/v1/ping`));
  });

  it("refuses to overwrite an existing --config file: one line, exit code 1, the file untouched, nothing served", () => {
    const config = join(tempDir(), "config.json");
    const mine = '{"api_id": "MINE", "api_token": "MINE"}\n';
    writeFileSync(config, mine);
    for (
      const args of [
        ["--config", config],
        ["--config", config, "--", ..._eval("console.log('ran')")],
      ]
    ) {
      const run = _fake(args);
      assert.equal(run.status, 1, run.stderr);
      assert.equal(run.stdout, "");
      assert.equal(
        run.stderr,
        `${config} exists already; the fake writes its config only to a new file, so remove it or give another path to --config.\n`,
      );
      assert.equal(readFileSync(config, "utf8"), mine);
    }
    const nowhere = _fake(["--config", join(config, "no-such-dir", "c.json")]);
    assert.equal(nowhere.status, 1);
    assert.match(
      nowhere.stderr,
      /^Cannot write the fake's config to .*Give --config a path in a directory you can write\.\n$/,
    );
  });

  it("refuses bad arguments with the usage (exit code 2), and says when the command cannot run (127)", () => {
    for (const args of [["--port", "1"], ["--config"], ["--"]]) {
      const run = _fake(args);
      assert.equal(run.status, 2, args.join(" "));
      assert.match(run.stderr, /Usage: deno task fake \[--config FILE\]/);
      assert.equal(run.stdout, "");
    }
    const missing = _fake(["--", "no-such-command-here"]);
    assert.equal(missing.status, 127);
    assert.match(
      missing.stderr,
      /^Cannot run no-such-command-here: .*Check the command after "--"\.$/m,
    );
    assert.deepEqual(
      parseFakeApiArgs(["--config", "c.json", "--", "a", "--config", "b"]),
      {
        config: "c.json",
        command: ["a", "--config", "b"],
      },
    );
  });
});
