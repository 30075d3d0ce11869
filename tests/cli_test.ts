import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, runCli } from "./_helpers.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"))
  .version;

describe("help and version, for people (on stderr: stdout is protocol only)", () => {
  it("--help lists every verb", async () => {
    const run = await runCli(["--help"]);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, "");
    for (const verb of ["spec", "check", "discover", "read"]) {
      assert.match(run.stderr, new RegExp(`^  ${verb}\\b`, "m"));
      assert.match(run.stderr, new RegExp(`^  source-aircall ${verb}\\b`, "m"));
    }
    assert.match(run.stderr, /AIRCALL_API_URL/);
  });

  for (const verb of ["spec", "check", "discover", "read"]) {
    it(`${verb} --help explains it with an example`, async () => {
      const run = await runCli([verb, "--help"]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        new RegExp(`Example:\\n  source-aircall ${verb}`),
      );
    });
  }

  it("--version prints the version", async () => {
    const run = await runCli(["--version"]);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.trim(), VERSION);
  });

  it("no verb is a usage error: help on stderr, a TRACE ERROR, exit 2", async () => {
    const run = await runCli([]);
    assert.equal(run.code, 2);
    assert.equal(run.messages.length, 1);
    assert.equal(run.messages[0].trace!.error!.failure_type, "config_error");
    assert.match(run.stderr, /Usage: source-aircall/);
  });
});
