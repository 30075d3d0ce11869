/**
 * The builds the connector ships from: the npm package (installed from its
 * tarball and run under Node, and run by npx) and the compiled binary (its
 * entry run with exactly the compile task's flags). The Docker image and the
 * release workflow are checked in release_test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { compileArgs } from "../scripts/compile.ts";
import { RUN_FLAGS } from "../scripts/run_flags.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  allStreams,
  checkpointViolations,
  type CliRun,
  type Message,
  protocolErrors,
  readArgs,
  recordsByStream,
  ROOT,
  runCli,
  runtimeFlags,
  spawnCli,
  startFake,
  tempDir,
  testConfig,
  writeJson,
} from "./_helpers.ts";

const VERSION: string = JSON.parse(
  readFileSync(join(ROOT, "deno.json"), "utf8"),
).version;
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const PACKAGE_NAME = "airbyte-source-aircall";

function parseLines(stdout: string): Message[] {
  return stdout.split("\n").filter((l) => l).map((l) => JSON.parse(l));
}

describe("npm package", () => {
  let prefix: string;
  let bin: string;
  let fake: FakeAircall;
  before(async () => {
    execFileSync(process.execPath, ["task", "build:npm"], {
      cwd: ROOT,
      stdio: "pipe",
    });
    prefix = tempDir();
    execFileSync("npm", [
      "install",
      "--global",
      "--prefix",
      prefix,
      "--no-audit",
      "--no-fund",
      join(ROOT, `dist/airbyte-source-aircall-${VERSION}.tgz`),
    ], { stdio: "pipe" });
    bin = join(prefix, "bin", "source-aircall");
    fake = await startFake();
  });
  after(() => fake?.close());

  /**
   * Runs the installed `source-aircall` (under Node, by its shebang); async,
   * so the fake API in this process keeps answering.
   */
  function sourceAircall(args: string[]): Promise<CliRun> {
    return runCli(args, { AIRCALL_API_URL: fake.url }, [bin]);
  }

  it("has the manifest Node users expect, with no runtime dependencies", () => {
    const manifest = JSON.parse(read("npm/package.json"));
    assert.equal(manifest.name, "airbyte-source-aircall");
    assert.equal(manifest.version, VERSION);
    assert.equal(manifest.type, "module");
    assert.deepEqual(manifest.bin, {
      "airbyte-source-aircall": "bin/source-aircall.mjs",
      "source-aircall": "bin/source-aircall.mjs",
    });
    assert.equal(manifest.engines.node, ">=20");
    assert.equal(manifest.license, "MIT");
    assert.ok(manifest.repository.url);
    assert.deepEqual(manifest.files, ["bin/", "README.md", "LICENSE"]);
    assert.equal(manifest.dependencies, undefined);
    const files = execFileSync("tar", [
      "-tzf",
      join(ROOT, `dist/airbyte-source-aircall-${VERSION}.tgz`),
    ], { encoding: "utf8" }).split("\n").filter((f) => f).sort();
    assert.deepEqual(files, [
      "package/LICENSE",
      "package/README.md",
      "package/bin/source-aircall.mjs",
      "package/package.json",
    ]);
  });

  it("ships a short README of its own for npm users, with links that work on npmjs.com", () => {
    const readme = read("npm/README.md");
    assert.equal(readme, read("scripts/npm_README.md"));
    assert.notEqual(readme, read("README.md"));
    assert.ok(readme.length < 4_000, `${readme.length} characters`);
    assert.ok(readme.includes(`npm install -g ${PACKAGE_NAME}\n`));
    assert.ok(readme.includes(`npx ${PACKAGE_NAME} spec`));
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length > 0);
    for (const link of links) assert.match(link, /^https:\/\//, link);
  });

  it("runs spec under Node", async () => {
    const node = execFileSync("node", ["--version"], { encoding: "utf8" });
    assert.ok(Number(node.slice(1).split(".")[0]) >= 20, node);
    const run = await sourceAircall(["spec"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.messages.length, 1);
    assert.equal(run.messages[0].type, "SPEC");
    assert.deepEqual(protocolErrors(run.messages), []);
    const version = await spawnCli(["--version"], {}, [bin], false).result;
    assert.equal(version.code, 0);
    assert.equal(version.stdout, `${VERSION}\n`);
  });

  it("runs as npx airbyte-source-aircall from the packed tarball (the bin named after the package)", async () => {
    const tarball = join(ROOT, `dist/airbyte-source-aircall-${VERSION}.tgz`);
    const npx = [
      "npx",
      "--yes",
      `--cache=${tempDir()}`,
      `--package=${tarball}`,
      "airbyte-source-aircall",
    ];
    const spec = await runCli(["spec"], {}, npx);
    assert.equal(spec.code, 0, spec.stderr);
    assert.deepEqual(spec.messages.map((m) => m.type), ["SPEC"]);
    const check = await runCli(
      [
        "check",
        "--config",
        writeJson(tempDir(), "config.json", testConfig()),
      ],
      { AIRCALL_API_URL: fake.url },
      npx,
    );
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(check.messages.map((m) => m.connectionStatus), [
      { status: "SUCCEEDED" },
    ]);
  });

  it("runs check under Node", async () => {
    const run = await sourceAircall([
      "check",
      "--config",
      writeJson(tempDir(), "config.json", testConfig()),
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.messages.map((m) => m.connectionStatus), [
      { status: "SUCCEEDED" },
    ]);
  });

  it("runs a full read of every stream under Node", async () => {
    const run = await sourceAircall(readArgs(allStreams("full_refresh")));
    assert.equal(run.code, 0, run.stderr);
    const messages = run.messages;
    assert.deepEqual(protocolErrors(messages), []);
    const streams = Object.keys(allStreams("full_refresh"));
    assert.deepEqual(checkpointViolations(messages, streams), []);
    const records = recordsByStream(messages);
    assert.equal(records.get("calls")!.length, fake.visibleCallIds().length);
    assert.equal(records.get("users")!.length, fake.data.users.length);
    assert.equal(records.size, streams.length);
  });
});

describe("standalone binary", () => {
  it("compiles with the flags of deno run the tests run with, plus write access for sync's database", () => {
    const args = compileArgs();
    assert.equal(args[0], "compile");
    assert.deepEqual(runtimeFlags(args), [...RUN_FLAGS, "--allow-write"]);
    assert.equal(args.at(-1), "mod.ts");
    assert.deepEqual(compileArgs("x86_64-pc-windows-msvc").slice(-4), [
      "dist/source-aircall-x86_64-pc-windows-msvc.exe",
      "--target",
      "x86_64-pc-windows-msvc",
      "mod.ts",
    ]);
  });

  it("documents exactly those flags in every deno run command of the README, and sync's write to its database", () => {
    const commands = read("README.md").split("\n")
      .filter((line) =>
        line.startsWith("deno run ") && line.includes("mod.ts")
      );
    assert.ok(commands.length >= 4);
    assert.ok(commands.some((command) => command.includes(" mod.ts sync ")));
    for (const command of commands) {
      const flags = command.slice(
        "deno run ".length,
        command.indexOf(" mod.ts"),
      );
      const expected = command.includes(" mod.ts sync ")
        ? [...RUN_FLAGS, "--allow-write=aircall.sqlite"]
        : [...RUN_FLAGS];
      assert.deepEqual(flags.split(" "), expected, command);
    }
  });

  it("runs the compiled entry with exactly those flags", () => {
    const run = spawnSync(
      process.execPath,
      ["run", ...RUN_FLAGS, join(ROOT, "mod.ts"), "spec"],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(parseLines(run.stdout)[0].type, "SPEC");
  });

  it("compiles, or says clearly why it cannot here", () => {
    const run = spawnSync(process.execPath, ["task", "compile"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    if (run.status === 0) {
      const spec = spawnSync(join(ROOT, "dist/source-aircall"), ["spec"], {
        encoding: "utf8",
      });
      assert.equal(parseLines(spec.stdout)[0].type, "SPEC");
    } else {
      assert.match(
        run.stderr,
        /downloads the Deno runtime from Deno's release host, which this machine cannot reach/,
      );
    }
  });
});
