/**
 * The README's "Real use" commands, run literally with bash in a fresh
 * copy of the repository's tracked files against the fake API: a check, a
 * first sync without state, the state it produced, a second sync from it,
 * and a sync from `discover --configured`. Everything they create is
 * ignored by git. Deno only (scripts/test_node.ts): the commands are
 * `deno run`.
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
import { FakeAircall } from "./fake_aircall/mod.ts";
import {
  checkpointViolations,
  type Message,
  ofType,
  protocolErrors,
  recordsByStream,
  ROOT,
  tempDir,
} from "./_helpers.ts";

/** The sh blocks of the README's Real use section, up to the Node variant. */
function realUseBlocks(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Real use");
  const end = readme.indexOf("**With Node", start);
  assert.ok(start >= 0 && end > start, "the README has its Real use section");
  return [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1]);
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

describe("the README's Real use commands, run literally from a fresh clone", () => {
  let fake: FakeAircall;
  let clone: string;
  let bin: string;
  before(async () => {
    // The README's placeholder key; small counts, since its config keeps the
    // default pace of 60 requests a minute.
    fake = await FakeAircall.start({
      apiId: "YOUR_API_ID",
      apiToken: "YOUR_API_TOKEN",
      counts: {
        calls: 40,
        contacts: 40,
        users: 20,
        numbers: 10,
        teams: 5,
        tags: 10,
        webhooks: 5,
      },
    });
    clone = freshClone();
    bin = tempDir();
    symlinkSync(process.execPath, join(bin, "deno"));
  });
  after(() => fake?.close());

  it("check, a first sync, its state, a second sync from it, and a sync from --configured succeed", async () => {
    const blocks = realUseBlocks();
    assert.equal(blocks.length, 3, "config, syncs, configured catalog");
    const ran: string[] = [];
    let added: { calls: number[]; contacts: number[] } | undefined;
    for (const command of blocks.flatMap(commands)) {
      const run = await bash(command, clone, {
        PATH: `${bin}:${process.env.PATH}`,
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
      if (command.includes("> sync1.jsonl")) {
        // Changes between the syncs, for the second to find.
        const now = Math.floor(Date.now() / 1000);
        added = {
          calls: fake.addCalls(2, now).map((call) => call.id),
          contacts: fake.addContacts(2, now).map((contact) => contact.id),
        };
      }
      // Let the clock pass a second, so "now" moves between syncs.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    assert.ok(ran.some((c) => c.includes("--state state.json > sync2.jsonl")));

    // The streams the README's syncs name.
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
    const ids = (records?: Record<string, unknown>[]) =>
      (records ?? []).map((r) => r.id as number);
    const config = JSON.parse(readFileSync(join(clone, "config.json"), "utf8"));
    const start = Date.parse(config.start_date) / 1000;
    assert.deepEqual(
      ids(firstRecords.get("contacts")).sort(),
      fake.data.contacts.filter((c) =>
        c.created_at >= start && !added!.contacts.includes(c.id)
      )
        .map((c) => c.id).sort(),
    );
    // The second sync started from the first's state: only the new contacts,
    // the calls of the lookback (which holds the new calls), every snapshot.
    assert.deepEqual(
      ids(secondRecords.get("contacts")).sort(),
      [...added!.contacts].sort(),
    );
    for (const id of added!.calls) {
      assert.ok(ids(secondRecords.get("calls")).includes(id), `call ${id}`);
    }
    assert.ok(
      ids(secondRecords.get("calls")).length <
        ids(firstRecords.get("calls")).length + added!.calls.length,
      "not every call again",
    );
    assert.equal(secondRecords.get("tags")!.length, 10);

    const third = messagesOf(join(clone, "sync3.jsonl"));
    assert.deepEqual(protocolErrors(third), []);
    assert.deepEqual(checkpointViolations(third, ["calls", "contacts"]), []);
    // From the first sync's state.json, as the block after it says.
    assert.deepEqual(
      ids(recordsByStream(third).get("contacts")).sort(),
      [...added!.contacts].sort(),
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
});
