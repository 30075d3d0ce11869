/**
 * The three ways the connector ships: the npm package (installed from its
 * tarball and run under Node), the compiled binary (its entry run with
 * exactly the compile task's flags), and the Docker image for the Airbyte
 * platform (Dockerfile and metadata.yaml checked rule by rule).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { compileArgs, TARGETS } from "../scripts/compile.ts";
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

/** The runtime flags among `deno` arguments: permissions and V8 flags. */
function _runFlags(args: readonly string[]): string[] {
  return args.filter((a) => /^--(allow-|v8-flags)|^-A$/.test(a));
}

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

  it("runs a full read of all nine streams under Node", async () => {
    const run = await sourceAircall(readArgs(allStreams("full_refresh")));
    assert.equal(run.code, 0, run.stderr);
    const messages = run.messages;
    assert.deepEqual(protocolErrors(messages), []);
    const streams = Object.keys(allStreams("full_refresh"));
    assert.deepEqual(checkpointViolations(messages, streams), []);
    const records = recordsByStream(messages);
    assert.equal(records.get("calls")!.length, fake.visibleCallIds().length);
    assert.equal(records.get("users")!.length, fake.data.users.length);
    assert.equal(records.size, 9);
  });
});

describe("standalone binary", () => {
  it("compiles with exactly the flags of deno run, the same the tests run with", () => {
    const args = compileArgs();
    assert.equal(args[0], "compile");
    assert.deepEqual(_runFlags(args), [...RUN_FLAGS]);
    assert.equal(args.at(-1), "mod.ts");
    assert.deepEqual(compileArgs("x86_64-pc-windows-msvc").slice(-4), [
      "dist/source-aircall-x86_64-pc-windows-msvc.exe",
      "--target",
      "x86_64-pc-windows-msvc",
      "mod.ts",
    ]);
  });

  it("documents exactly those flags in every deno run command of the README", () => {
    const commands = read("README.md").split("\n")
      .filter((line) =>
        line.startsWith("deno run ") && line.includes("mod.ts")
      );
    assert.ok(commands.length >= 3);
    for (const command of commands) {
      const flags = command.slice(
        "deno run ".length,
        command.indexOf(" mod.ts"),
      );
      assert.deepEqual(flags.split(" "), [...RUN_FLAGS], command);
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

  it("has a release workflow that builds, smoke-tests and attaches every target", () => {
    const workflow = parseYaml(read(".github/workflows/release.yml"));
    assert.deepEqual(workflow.on.push.tags, ["v*"]);
    const matrix = workflow.jobs.build.strategy.matrix.include as {
      target: string;
    }[];
    assert.deepEqual(matrix.map((m) => m.target).sort(), [...TARGETS].sort());
    const steps = JSON.stringify(workflow.jobs.build.steps);
    assert.match(steps, /scripts\/compile\.ts --target/);
    assert.match(steps, / spec\)/);
    assert.match(
      JSON.stringify(workflow.jobs.release.steps),
      /gh release upload/,
    );
  });
});

describe("Docker image for the Airbyte platform", () => {
  const dockerfile = read("Dockerfile");
  const metadata = parseYaml(read("metadata.yaml"));
  const instructions = dockerfile.replace(/\\\n/g, " ").split("\n")
    .map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
  const all = (keyword: string) =>
    instructions.filter((line) => line.startsWith(`${keyword} `))
      .map((line) => line.slice(keyword.length + 1).trim());
  const labels = Object.fromEntries(
    all("LABEL").map((label) => label.split("=").map((p) => p.trim())),
  );

  it("uses the official Deno image, pinned by version", () => {
    const [from] = all("FROM");
    assert.match(
      from,
      /^denoland\/deno:(debian-|alpine-|distroless-)?2\.9\.6$/,
    );
  });

  it("caches the connector at build time", () => {
    assert.ok(all("RUN").some((run) => /deno (cache|install)/.test(run)));
    const entrypoint = JSON.parse(all("ENTRYPOINT")[0]) as string[];
    assert.ok(entrypoint.includes("--cached-only"));
  });

  it("runs as the non-root user airbyte, with /airbyte writable", () => {
    assert.deepEqual(all("USER"), ["airbyte"]);
    const setup = all("RUN").join(" ");
    assert.match(setup, /useradd .*airbyte/);
    assert.match(setup, /mkdir -p \/airbyte/);
    assert.match(setup, /chown -R airbyte(:airbyte)? \/airbyte/);
  });

  it("sets AIRBYTE_ENTRYPOINT to the exec-form ENTRYPOINT, absolute paths, the CLI's flags", () => {
    const entrypoint = JSON.parse(all("ENTRYPOINT")[0]) as string[];
    const env = all("ENV").find((e) => e.startsWith("AIRBYTE_ENTRYPOINT="))!;
    assert.equal(
      env.slice("AIRBYTE_ENTRYPOINT=".length).replace(/^"|"$/g, ""),
      entrypoint.join(" "),
    );
    assert.ok(entrypoint[0].startsWith("/"));
    assert.ok(entrypoint.at(-1)!.startsWith("/"));
    assert.deepEqual(_runFlags(entrypoint), [...RUN_FLAGS]);
  });

  it("labels name and version as metadata.yaml and deno.json say", () => {
    assert.equal(labels["io.airbyte.name"], metadata.data.dockerRepository);
    assert.equal(labels["io.airbyte.version"], metadata.data.dockerImageTag);
    assert.equal(metadata.data.dockerImageTag, VERSION);
  });

  it("has metadata.yaml in Airbyte's format", () => {
    assert.equal(metadata.metadataSpecVersion, "1.0");
    const data = metadata.data;
    assert.match(
      data.definitionId,
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    assert.equal(data.connectorType, "source");
    assert.equal(data.connectorSubtype, "api");
    assert.equal(data.dockerRepository, "airbyte/source-aircall");
    assert.ok(data.name && data.license && data.releaseStage);
    assert.match(data.documentationUrl, /^https:\/\//);
    assert.deepEqual(data.allowedHosts.hosts, ["api.aircall.io"]);
  });
});
