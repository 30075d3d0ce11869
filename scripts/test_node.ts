/**
 * `deno task test:node`: the test suite under Node, against the npm build.
 * Each test file is bundled for Node (`deno bundle --platform=node`) into
 * `dist/node_tests/`, then run with `node --test`; the tests then drive the
 * CLI as `node npm/bin/source-aircall.mjs`. Run `deno task build:npm` first.
 *
 * Extra arguments are passed to `node --test` (e.g. reporters). The tests
 * of `sync` then run again under Node 22 (see below).
 *
 * @module
 */

const root = new URL("..", import.meta.url);
const out = new URL("dist/node_tests/", root);

/**
 * Tests of Deno itself, not of the npm build: its toolchain (build,
 * compile), the release files and tasks, its permissions, and the README's
 * `deno run` commands.
 */
const DENO_ONLY = new Set([
  "fake_api_test.ts",
  "package_test.ts",
  "permissions_test.ts",
  "readme_test.ts",
  "release_test.ts",
  "version_test.ts",
]);

/** The Node that runs `sync`'s tests: its newest 22 release, from npm. */
const NODE_22 = "node@22";

/** The tests run under Node 22 too (without `.ts`). */
const SYNC_TESTS = ["sync_test"];

async function _run(command: string, args: string[]): Promise<number> {
  const { code } = await new Deno.Command(command, {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}

try {
  await Deno.stat(new URL("npm/bin/source-aircall.mjs", root));
} catch {
  console.error("No npm build: run `deno task build:npm` first.");
  Deno.exit(1);
}
await Deno.remove(out, { recursive: true }).catch(() => {});
await Deno.mkdir(out, { recursive: true });
const bundles: string[] = [];
for await (const entry of Deno.readDir(new URL("tests/", root))) {
  if (!entry.name.endsWith("_test.ts") || DENO_ONLY.has(entry.name)) continue;
  const bundle = `dist/node_tests/${entry.name.replace(/\.ts$/, ".mjs")}`;
  const code = await _run(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--platform=node",
    "--output",
    bundle,
    `tests/${entry.name}`,
  ]);
  if (code !== 0) Deno.exit(code);
  bundles.push(bundle);
}
bundles.sort();
const code = await _run("node", ["--test", ...Deno.args, ...bundles]);

/**
 * `sync` needs Node 22.13 (node:sqlite); the machine's Node above (20)
 * checks only that it says so. Its tests run again under the newest Node 22
 * from the npm registry (the `node` package brings the binary), next to
 * the Deno that runs this script, with each report file's name marked
 * `.node22`.
 */
const node22Args = Deno.args.map((arg) =>
  arg.replace(
    /^(--test-reporter-destination=)(?!stdout$|stderr$)(.*?)(\.\w+)?$/,
    (_, flag, path, extension = "") => `${flag}${path}.node22${extension}`,
  )
);
const node22 = await new Deno.Command("npx", {
  args: [
    "--yes",
    NODE_22,
    "--test",
    ...node22Args,
    ...SYNC_TESTS.map((name) => `dist/node_tests/${name}.mjs`),
  ],
  cwd: root,
  env: { SOURCE_AIRCALL_DENO: Deno.execPath() },
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(code || node22.code);
