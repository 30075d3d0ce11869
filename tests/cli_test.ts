/**
 * The command line as people and the platform use it: help and version on
 * stdout, strict arguments (a typo is a usage error naming the closest
 * valid option), the platform's own commands unchanged, and `--debug`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  assertUsageError,
  type CliRun,
  configuredCatalog,
  ofType,
  protocolErrors,
  ROOT,
  runCli,
  runCliText,
  startFake,
  tempDir,
  testConfig,
  writeJson,
} from "./_helpers.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"))
  .version;
const VERBS = ["spec", "check", "discover", "read", "sync"];

describe("help and version: asked for, so on stdout, exit 0", () => {
  it("--help lists every verb with an example, the exit codes and AIRCALL_API_URL", async () => {
    const run = await runCliText(["--help"]);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, "");
    for (const verb of VERBS) {
      assert.match(run.stdout, new RegExp(`^  ${verb}\\b`, "m"));
      assert.match(run.stdout, new RegExp(`^  source-aircall ${verb}\\b`, "m"));
    }
    assert.match(run.stdout, /--streams calls,contacts/);
    assert.match(
      run.stdout,
      /Exit codes: 0 .* 1 .* 2 a usage error, 130 or 143/s,
    );
    assert.match(run.stdout, /141\s+stdout closed/);
    assert.match(run.stdout, /AIRCALL_API_URL/);
  });

  for (const verb of VERBS) {
    it(`help ${verb} and ${verb} --help print its explanation with an example`, async () => {
      const viaHelp = await runCliText(["help", verb]);
      const viaOption = await runCliText([verb, "--help"]);
      for (const run of [viaHelp, viaOption]) {
        assert.equal(run.code, 0);
        assert.equal(run.stderr, "");
        assert.match(
          run.stdout,
          new RegExp(`Example:\\n  source-aircall ${verb}`),
        );
        assert.match(run.stdout, /--debug/);
      }
      assert.equal(viaHelp.stdout, viaOption.stdout);
    });
  }

  it("read's help explains --streams and --catalog", async () => {
    const run = await runCliText(["help", "read"]);
    assert.match(run.stdout, /--streams <names>/);
    assert.match(
      run.stdout,
      /all\s+\(every\s+stream\s+the\s+connector\s+offers\)/,
    );
    assert.match(run.stdout, /--catalog <path>/);
  });

  it("help alone is --help", async () => {
    const help = await runCliText(["help"]);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, (await runCliText(["--help"])).stdout);
  });

  for (const flag of ["--version", "-V"]) {
    it(`${flag} prints the version on stdout (so \`${flag} | cat\` shows it)`, async () => {
      const run = await runCliText([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, `${VERSION}\n`);
      assert.equal(run.stderr, "");
    });
  }

  it("help <unknown> names the valid verbs, on one line, exit 2", async () => {
    assertUsageError(
      await runCli(["help", "foo"]),
      /Unknown verb 'foo' for help; the verbs are: spec, check, discover, read, sync, help\./,
    );
    assertUsageError(
      await runCli(["help", "raed"]),
      /Unknown verb 'raed' for help; did you mean read\?/,
    );
  });

  it("a mistyped verb names the closest one, on one line, exit 2", async () => {
    assertUsageError(
      await runCli(["reed", "--config", "c.json"]),
      /Unknown verb 'reed'; did you mean read\?/,
    );
    assertUsageError(
      await runCli(["import"]),
      /Unknown verb 'import'; the verbs are: spec, check, discover, read, sync, help\./,
    );
  });

  it("no verb is a usage error on one line, exit 2", async () => {
    assertUsageError(
      await runCli([]),
      /No verb given: use spec, check, discover, read or sync/,
    );
  });
});

describe("strict arguments", () => {
  let fake: FakeAircall;
  let env: Record<string, string>;
  let config: string;
  let catalog: string;
  let state: string;
  before(async () => {
    fake = await startFake({ counts: { calls: 60, contacts: 60 } });
    env = { AIRCALL_API_URL: fake.url };
    const dir = tempDir();
    config = writeJson(dir, "config.json", testConfig());
    catalog = writeJson(
      dir,
      "catalog.json",
      configuredCatalog({ calls: "incremental", tags: "full_refresh" }),
    );
    state = writeJson(dir, "state.json", []);
  });
  after(() => fake.close());

  /** Each row: arguments, and what the one stderr line must say. */
  const rows: [string, () => string[], RegExp][] = [
    [
      "a typo of --state (the issue's full re-sync)",
      () => ["read", "--config", config, "--catalog", catalog, "--stat", state],
      /Unknown option '--stat' for read; did you mean --state <path>\?/,
    ],
    [
      "an unknown option before the known ones",
      () => ["read", "--stat", state, "--config", config, "--catalog", catalog],
      /Unknown option '--stat' for read; did you mean --state <path>\?/,
    ],
    [
      "an option of no verb",
      () => ["check", "--config", config, "--verbose"],
      /Unknown option '--verbose' for check; check takes: --debug, --config <path>, --help\./,
    ],
    [
      "--option=value of an unknown option",
      () => ["discover", "--config", config, "--configure=yes"],
      /Unknown option '--configure' for discover; did you mean --configured\?/,
    ],
    [
      "an unknown option of spec",
      () => ["spec", "--unknown-flag", "x"],
      /Unknown option '--unknown-flag' for spec; spec takes: --debug, --help\./,
    ],
    [
      "a path without its option",
      () => ["check", config],
      /Unexpected argument '.*config\.json' for check; did you mean --config <path>\?/,
    ],
    [
      "an extra argument after the options",
      () => ["read", "--config", config, "--catalog", catalog, "now"],
      /Unexpected argument 'now' for read; read takes options only: --debug, --config <path>, --catalog <path>, --streams <names>, --state <path>, --help\./,
    ],
    [
      "an extra argument of spec",
      () => ["spec", "please"],
      /Unexpected argument 'please' for spec/,
    ],
    [
      "an option before the verb",
      () => ["--verbose", "spec"],
      /Unknown option '--verbose'; put a verb \(spec, check, discover, read, sync, help\) first/,
    ],
    [
      "an option without its value",
      () => ["read", "--config"],
      /Option --config <path> needs a value/,
    ],
    [
      "a missing --config",
      () => ["discover"],
      /discover needs --config <path>/,
    ],
  ];
  for (const [label, args, reason] of rows) {
    it(`refuses ${label}: exit 2, one line naming it, no request`, async () => {
      fake.requests.length = 0;
      assertUsageError(await runCli(args(), env), reason);
      assert.equal(fake.requests.length, 0);
    });
  }

  it("runs the platform's own commands unchanged, with or without --debug", async () => {
    for (const debug of [[], ["--debug"]]) {
      const spec = await runCli(["spec", ...debug], env);
      assert.equal(spec.code, 0, spec.stderr);
      assert.deepEqual(spec.messages.map((m) => m.type), ["SPEC"]);
      const check = await runCli(["check", "--config", config, ...debug], env);
      assert.equal(check.code, 0, check.stderr);
      assert.deepEqual(
        ofType(check.messages, "CONNECTION_STATUS").map((m) =>
          m.connectionStatus
        ),
        [{ status: "SUCCEEDED" }],
      );
      const discover = await runCli(
        ["discover", "--config", config, ...debug],
        env,
      );
      assert.equal(discover.code, 0, discover.stderr);
      assert.deepEqual(discover.messages.map((m) => m.type), ["CATALOG"]);
      const read = await runCli([
        "read",
        "--config",
        config,
        "--catalog",
        catalog,
        "--state",
        state,
        ...debug,
      ], env);
      assert.equal(read.code, 0, read.stderr);
      assert.equal(read.stderr, "");
      for (const run of [spec, check, discover, read]) {
        assert.deepEqual(protocolErrors(run.messages), []);
      }
    }
  });
});

describe("--debug", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await startFake({ counts: { tags: 120 } });
  });
  after(() => fake.close());

  const DEBUG_LINE =
    /^GET \/v\d\/[\w/]+(\?[\w=&%.-]*)? -> (\d{3}|.+) \(attempt \d+, \d+ ms\)$/;

  function debugLines(run: CliRun): string[] {
    return ofType(run.messages, "LOG")
      .filter((m) => m.log!.level === "DEBUG")
      .map((m) => m.log!.message);
  }

  it("logs every request of a read as one DEBUG LOG line: method, path and query, status, attempt, ms", async () => {
    let tagsRequests = 0;
    fake.interceptors.push((request) => {
      if (request.path === "/v1/tags" && ++tagsRequests === 1) {
        return { status: 503, body: { message: "Service Unavailable" } };
      }
    });
    fake.requests.length = 0;
    const config = writeJson(tempDir(), "config.json", testConfig());
    const args = ["read", "--config", config, "--streams", "tags,company"];
    const run = await runCli([...args, "--debug"], {
      AIRCALL_API_URL: fake.url,
    });
    fake.interceptors.length = 0;
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(protocolErrors(run.messages), []);
    const lines = debugLines(run);
    assert.equal(lines.length, fake.requests.length, lines.join("\n"));
    for (const line of lines) assert.match(line, DEBUG_LINE);
    assert.ok(
      lines.some((l) =>
        /^GET \/v1\/tags\?per_page=50&page=1 -> 503 \(attempt 1, /.test(l)
      ),
      "the failed attempt is logged",
    );
    assert.ok(
      lines.some((l) =>
        /^GET \/v1\/tags\?per_page=50&page=1 -> 200 \(attempt 2, /.test(l)
      ),
      "and its retry",
    );
    assert.ok(lines.some((l) => /^GET \/v1\/company -> 200 /.test(l)));
    for (const line of lines) assert.doesNotMatch(line, /basic|authori/i);

    const quiet = await runCli(args, { AIRCALL_API_URL: fake.url });
    assert.deepEqual(debugLines(quiet), [], "nothing without --debug");
  });

  it("logs check's request, and a connection that fails", async () => {
    const config = writeJson(tempDir(), "config.json", testConfig());
    const ok = await runCli(["check", "--config", config, "--debug"], {
      AIRCALL_API_URL: fake.url,
    });
    assert.equal(ok.code, 0);
    assert.deepEqual(debugLines(ok).map((l) => l.replace(/\d+ ms/, "N ms")), [
      "GET /v1/ping -> 200 (attempt 1, N ms)",
    ]);
    const blocked = await runCli(["check", "--config", config, "--debug"], {
      AIRCALL_API_URL: "http://127.0.0.1:9",
    });
    assert.equal(blocked.code, 0);
    assert.match(
      debugLines(blocked)[0],
      /^GET \/v1\/ping -> cannot connect to 127\.0\.0\.1:9: .* \(attempt 1, \d+ ms\)$/,
    );
  });
});
