/**
 * The README's "Real use" commands, run literally with bash in a fresh
 * copy of the repository's tracked files against `deno task fake`, as the
 * README says they work: the fake writing its config, a check, a first read
 * without state, the state it produced, a second read from it, and a read
 * from `discover --configured`; the config file the README shows is checked
 * on its own. Everything they create is ignored by git. Deno only
 * (scripts/test_node.ts): the commands are `deno run`.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { DatabaseSync } from "node:sqlite";
import { parseConfig } from "../src/inputs.ts";
import { DEFAULT_COUNTS } from "./fake_aircall/data.ts";
import {
  checkpointViolations,
  type Message,
  ofType,
  protocolErrors,
  recordsByStream,
  ROOT,
  tempDir,
} from "./_helpers.ts";

/**
 * The README's sections whose sh blocks are run literally, in order.
 */
const LITERAL_SECTIONS = ["## Real use"];

/** The sh blocks of one of the README's sections, in order. */
function shBlocks(heading: string): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `the README has its ${heading} section`);
  const end = readme.indexOf("\n## ", start + 1);
  return [
    ...readme.slice(start, end < 0 ? undefined : end)
      .matchAll(/```sh\n([\s\S]*?)```/g),
  ].map((match) => match[1]);
}

/** The sh blocks of the README's sections run literally, in order. */
function literalBlocks(): string[] {
  return LITERAL_SECTIONS.flatMap(shBlocks);
}

/** The commands of a block: the block itself if it holds a here-document, else its lines. */
function commands(block: string): string[] {
  return block.includes("<<")
    ? [block]
    : block.split("\n").filter((line) => line.trim() !== "");
}

/** A fresh clone's files: the tracked files of the working tree, in a new git repository. */
function freshClone(): string {
  const dir = join(tempDir(), "source-aircall");
  const files = execFileSync("git", ["ls-files", "-z"], {
    cwd: ROOT,
    encoding: "utf8",
  }).split("\0").filter((file) => file && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(dir, file));
  }
  execFileSync("git", ["init", "-q"], { cwd: dir });
  return dir;
}

/**
 * Runs a command with bash, asynchronously: the fake API answers from this
 * process's event loop.
 */
function bash(
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn("bash", ["-euo", "pipefail", "-c", command], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => stdout += chunk);
  child.stderr.on("data", (chunk) => stderr += chunk);
  return new Promise((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  );
}

function messagesOf(path: string): Message[] {
  return readFileSync(path, "utf8").trim().split("\n").map((line) =>
    JSON.parse(line)
  );
}

/**
 * Starts a command that serves until stopped, in a process group of its own,
 * and resolves with the first line it prints on stdout (the fake's URL).
 */
function serve(
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn("bash", ["-euo", "pipefail", "-c", command], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const closed = new Promise<void>((resolve) => child.on("close", resolve));
  const stop = async () => {
    if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
    await closed;
  };
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => stderr += chunk);
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (stdout.includes("\n")) resolve({ url: stdout.split("\n")[0], stop });
    });
    closed.then(() => reject(new Error(`${command} ended: ${stderr}`)));
  });
}

describe("the README's Real use commands, run literally from a fresh clone against deno task fake", () => {
  let clone: string;
  let bin: string;
  let fake: { url: string; stop: () => Promise<void> } | undefined;
  before(() => {
    clone = freshClone();
    bin = tempDir();
    symlinkSync(process.execPath, join(bin, "deno"));
  });
  after(() => fake?.stop());

  it("the config file it shows is one the connector takes", async () => {
    const [config] = literalBlocks();
    assert.match(config, /^cat > config\.json <</);
    const dir = tempDir();
    const run = await bash(config, dir, {});
    assert.equal(run.status, 0, run.stderr);
    const parsed = parseConfig(
      JSON.parse(readFileSync(join(dir, "config.json"), "utf8")),
      Date.now(),
    );
    assert.equal(parsed.api_id, "YOUR_API_ID");
  });

  it("check, a first read, its state, a second read from it, and a read from --configured succeed", async () => {
    const blocks = literalBlocks();
    assert.equal(
      blocks.length,
      4,
      "config, the fake, the reads, the configured catalog",
    );
    const path = { PATH: `${bin}:${process.env.PATH}` };
    const [serveFake] = commands(blocks[1]);
    assert.match(serveFake, /^deno task fake --config config\.json /);
    fake = await serve(serveFake, clone, path);
    assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+$/);

    const ran: string[] = [];
    for (const command of blocks.slice(2).flatMap(commands)) {
      const run = await bash(command, clone, {
        ...path,
        AIRCALL_API_URL: fake.url,
      });
      assert.equal(run.status, 0, `${command}\n${run.stderr}`);
      assert.doesNotMatch(run.stderr, /source-aircall:/, command);
      ran.push(command);
      if (command.includes(" check ")) {
        assert.deepEqual(
          JSON.parse(run.stdout).connectionStatus,
          { status: "SUCCEEDED" },
        );
      }
      // Let the clock pass a second, so "now" moves between reads.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    assert.ok(ran.some((c) => c.includes("--state state.json > sync2.jsonl")));

    // The streams the README's reads name.
    const names = ran.find((c) => c.includes("> sync1.jsonl"))!
      .match(/--streams (\S+)/)![1].split(",");
    const first = messagesOf(join(clone, "sync1.jsonl"));
    const second = messagesOf(join(clone, "sync2.jsonl"));
    for (const sync of [first, second]) {
      assert.deepEqual(protocolErrors(sync), []);
      assert.deepEqual(ofType(sync, "TRACE", "ERROR"), []);
      assert.deepEqual(checkpointViolations(sync, names), []);
    }
    // JSON lines: one STATE message a line.
    const state = readFileSync(join(clone, "state.json"), "utf8")
      .split("\n").filter((line) => line !== "").map((line) =>
        JSON.parse(line)
      );
    assert.ok(state.every((message) => message.type === "STATE"));
    assert.ok(state.length >= names.length);

    const firstRecords = recordsByStream(first);
    const secondRecords = recordsByStream(second);
    const count = (records: Map<string, unknown[]>, stream: string) =>
      records.get(stream)?.length ?? 0;
    // Every record of the fake's snapshot streams, in both reads.
    for (const stream of ["users", "numbers", "teams", "tags", "webhooks"]) {
      const served = DEFAULT_COUNTS[stream as keyof typeof DEFAULT_COUNTS];
      assert.equal(count(firstRecords, stream), served, stream);
      assert.equal(count(secondRecords, stream), served, stream);
    }
    assert.equal(count(firstRecords, "contacts"), DEFAULT_COUNTS.contacts);
    // The second read went on from the first's state: the calls of the
    // lookback and the contacts of the cursor's second, not everything again.
    for (const stream of ["calls", "contacts"]) {
      assert.ok(count(firstRecords, stream) > 0, stream);
      assert.ok(
        count(secondRecords, stream) < count(firstRecords, stream) / 2,
        `${stream}: ${count(secondRecords, stream)} of ${
          count(firstRecords, stream)
        }`,
      );
    }

    const third = messagesOf(join(clone, "sync3.jsonl"));
    assert.deepEqual(protocolErrors(third), []);
    assert.deepEqual(checkpointViolations(third, ["calls", "contacts"]), []);
    // From the first read's state.json, as the block after it says.
    assert.ok(
      count(recordsByStream(third), "contacts") <
        count(firstRecords, "contacts") / 2,
    );

    // Nothing they created would be committed: the key, state and outputs.
    const created = readdirSync(clone).filter((name) =>
      !execFileSync("git", ["ls-files", "--", name], {
        cwd: ROOT,
        encoding: "utf8",
      }).trim() && name !== ".git"
    );
    for (
      const name of [
        "config.json",
        "state.json",
        "sync1.jsonl",
        "sync2.jsonl",
        "sync3.jsonl",
        "configured_catalog.json",
      ]
    ) {
      assert.ok(created.includes(name), name);
    }
    for (const name of created) {
      const ignored = spawnSync("git", ["check-ignore", "-q", name], {
        cwd: clone,
      });
      assert.equal(ignored.status, 0, `${name} is not in .gitignore`);
    }
  });

  it("the sync section's command, run twice, builds the tables the fake serves with no duplicate, and its sqlite3 query answers", async () => {
    assert.ok(fake, "the Real use test started the fake");
    const [syncCommand, query] = shBlocks("## Sync to a local database");
    assert.match(
      syncCommand.trim(),
      /^deno run .* mod\.ts sync --config config\.json$/,
    );
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      AIRCALL_API_URL: fake.url,
    };
    const summaries: string[] = [];
    for (let run = 0; run < 2; run++) {
      const sync = await bash(syncCommand, clone, env);
      assert.equal(sync.status, 0, sync.stderr);
      assert.match(sync.stdout, /Synced 10 of 10 streams into aircall\.sqlite/);
      summaries.push(sync.stdout);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    // The second sync added no user: a snapshot stream is replaced, not appended.
    assert.match(summaries[1], /^users +75 +0 +0 +0 +complete$/m);

    const db = new DatabaseSync(join(clone, "aircall.sqlite"), {
      readOnly: true,
    });
    try {
      const count = (table: string) =>
        (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as {
          n: number;
        }).n;
      for (
        const stream of [
          "users",
          "numbers",
          "teams",
          "tags",
          "webhooks",
          "contacts",
        ]
      ) {
        const served = DEFAULT_COUNTS[stream as keyof typeof DEFAULT_COUNTS];
        assert.equal(count(stream), served, stream);
      }
      const distinct = db.prepare(
        "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM calls",
      ).get() as { n: number; ids: number };
      assert.ok(distinct.n > 0);
      assert.equal(distinct.n, distinct.ids);

      // The sqlite3 example's SQL, as the README quotes it.
      const sql = query.match(/^sqlite3 aircall\.sqlite "([\s\S]*)"\s*$/)?.[1];
      assert.ok(sql, query);
      const answer = db.prepare(sql).all() as {
        agent: string;
        calls: number;
        answered_pct: number;
      }[];
      assert.ok(answer.length > 1);
      assert.equal(
        answer.reduce((sum, row) => sum + row.calls, 0),
        (db.prepare(
          "SELECT count(*) AS n FROM calls WHERE started_at >= unixepoch('now', '-7 days')",
        ).get() as { n: number }).n,
      );
    } finally {
      db.close();
    }
    const ignored = spawnSync("git", ["check-ignore", "-q", "aircall.sqlite"], {
      cwd: clone,
    });
    assert.equal(ignored.status, 0, "aircall.sqlite is not in .gitignore");
  });
});
