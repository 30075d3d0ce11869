/**
 * A permission Deno refused is reported as such, naming the flag the
 * README's commands pass. Deno only (scripts/test_node.ts): the npm build
 * runs under Node, which has no such permissions.
 */
import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { CLI_PERMISSIONS, V8_FLAGS } from "../scripts/run_flags.ts";
import { PERMISSION_FLAGS } from "../src/errors.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  assertOneFailure,
  type CliRun,
  ROOT,
  runCli,
  startFake,
  tempDir,
  testConfig,
  verdict,
  writeJson,
} from "./_helpers.ts";

describe("a missing Deno permission names its flag", () => {
  let fake: FakeAircall;
  let config: string;
  before(async () => {
    fake = await startFake();
    config = writeJson(tempDir(), "config.json", testConfig());
  });
  after(() => fake.close());

  /**
   * `deno run` with only `flags` (and the V8 flags) of the README's three.
   * Through a link to Deno: its node:child_process adds `-A` to a
   * `deno run` of its own executable that has no permission flag.
   */
  function runWith(flags: string[], args: string[]): Promise<CliRun> {
    const deno = join(tempDir(), "deno");
    symlinkSync(process.execPath, deno);
    return runCli(args, { AIRCALL_API_URL: fake.url }, [
      deno,
      "run",
      ...flags,
      V8_FLAGS,
      join(ROOT, "mod.ts"),
    ]);
  }

  it("the message quotes the README's flags exactly", () => {
    assert.equal(PERMISSION_FLAGS, CLI_PERMISSIONS.join(" "));
  });

  const rows: [string, string[], RegExp][] = [
    [
      "read",
      [],
      /^Deno denied read access to ".*config\.json"; run with --allow-read /,
    ],
    [
      "env",
      ["--allow-read"],
      /^Deno denied env access to "AIRCALL_API_URL"; run with --allow-env /,
    ],
    [
      "net",
      ["--allow-read", "--allow-env"],
      /^Deno denied net access to "127\.0\.0\.1:\d+"; run with --allow-net /,
    ],
  ];
  for (const [what, flags, reason] of rows) {
    const readmeFlags =
      "\\(the README's commands pass --allow-net --allow-read --allow-env\\)\\.";
    const full = new RegExp(`${reason.source}${readmeFlags}$`);
    const anywhere = new RegExp(`${reason.source.slice(1)}${readmeFlags}`);
    it(`without --allow-${what}: check says FAILED, read stops with one line`, async () => {
      const check = verdict(
        await runWith(flags, ["check", "--config", config]),
      );
      assert.equal(check.status, "FAILED");
      assert.match(check.message!, full);
      const read = await runWith(flags, [
        "read",
        "--config",
        config,
        "--streams",
        "tags,teams",
      ]);
      assertOneFailure(read, anywhere);
      assert.ok(
        !read.messages.some((m) =>
          m.trace?.stream_status?.stream_descriptor.name === "teams"
        ),
        "no second stream",
      );
    });
  }
});
