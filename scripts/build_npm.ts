/**
 * `deno task build:npm`: the npm package for Node users, in `npm/`, packed
 * into `dist/airbyte-source-aircall-<version>.tgz`. In place of dnt (JSR-only):
 * `deno bundle --platform=node --minify` makes one ES module with no runtime
 * dependencies. The package's README is `scripts/npm_README.md`, written for
 * npm users.
 *
 * @module
 */

import manifest from "../deno.json" with { type: "json" };

const root = new URL("..", import.meta.url);
const out = new URL("npm/", root);

/** The package's `package.json`. */
export const PACKAGE_JSON = {
  name: "airbyte-source-aircall",
  version: manifest.version,
  description:
    "Airbyte source connector for Aircall: calls, contacts, users, numbers, teams, tags, webhooks and more, over the Airbyte protocol.",
  type: "module",
  // Named after the package, so `npx airbyte-source-aircall` runs it; also
  // under the short name the binaries and the image use.
  bin: {
    "airbyte-source-aircall": "bin/source-aircall.mjs",
    "source-aircall": "bin/source-aircall.mjs",
  },
  engines: { node: ">=20" },
  license: "MIT",
  repository: {
    type: "git",
    url: "git+https://github.com/source-aircall/source-aircall.git",
  },
  keywords: ["airbyte", "aircall", "connector", "etl", "elt"],
  files: ["bin/", "README.md", "LICENSE"],
};

async function _run(command: string, args: string[], cwd: URL): Promise<void> {
  const { code } = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} failed`);
}

if (import.meta.main) {
  await Deno.remove(out, { recursive: true }).catch(() => {});
  await Deno.mkdir(new URL("bin/", out), { recursive: true });
  const bin = new URL("bin/source-aircall.mjs", out);
  await _run(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--platform=node",
    "--minify",
    "--output",
    bin.pathname,
    "src/bin.ts",
  ], root);
  await Deno.writeTextFile(
    bin,
    "#!/usr/bin/env node\n" + await Deno.readTextFile(bin),
  );
  await Deno.chmod(bin, 0o755);
  await Deno.writeTextFile(
    new URL("package.json", out),
    JSON.stringify(PACKAGE_JSON, null, 2) + "\n",
  );
  // npm users get a short README of their own; the repository's is for all
  // channels and links into docs/.
  await Deno.copyFile(
    new URL("scripts/npm_README.md", root),
    new URL("README.md", out),
  );
  await Deno.copyFile(new URL("LICENSE", root), new URL("LICENSE", out));
  await Deno.mkdir(new URL("dist/", root), { recursive: true });
  await _run("npm", ["pack", "--silent", "--pack-destination", "../dist"], out);
  console.error(
    `Built dist/${PACKAGE_JSON.name}-${PACKAGE_JSON.version}.tgz`,
  );
}
