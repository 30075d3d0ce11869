/**
 * `deno task compile` / `deno task compile:all`: standalone binaries in
 * `dist/`, with the flags of `deno run` baked in, plus write access for
 * `sync`'s database. `--target T` compiles one target (the release workflow
 * uses it).
 *
 * `deno compile` downloads its runtime for each target from Deno's release
 * host; where that host is unreachable the task says so and exits 1.
 *
 * @module
 */

import { COMPILE_FLAGS } from "./run_flags.ts";

/** Targets of `compile:all`, as `deno compile --target` names them. */
export const TARGETS: readonly string[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

/**
 * The `deno` arguments that compile one binary.
 *
 * @param target A target from {@linkcode TARGETS}, or none for this machine.
 * @returns Arguments for `deno`, output under `dist/`.
 */
export function compileArgs(target?: string): string[] {
  const output = target
    ? `dist/source-aircall-${target}${target.includes("windows") ? ".exe" : ""}`
    : "dist/source-aircall";
  return [
    "compile",
    ...COMPILE_FLAGS,
    "--output",
    output,
    ...(target ? ["--target", target] : []),
    "mod.ts",
  ];
}

async function _compile(target?: string): Promise<boolean> {
  const args = compileArgs(target);
  console.error(`deno ${args.join(" ")}`);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL("..", import.meta.url),
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const message = new TextDecoder().decode(stderr);
  if (code === 0) return true;
  if (/base binary|error sending request|dns error/i.test(message)) {
    console.error(
      `Cannot compile for ${
        target ?? "this machine"
      }: deno compile downloads the Deno runtime from Deno's release host, which this machine cannot reach. Compile where it can (the release workflow does), or use deno run or the npm package.`,
    );
  } else {
    console.error(message);
  }
  return false;
}

if (import.meta.main) {
  const only = Deno.args.indexOf("--target");
  const targets = Deno.args.includes("--all")
    ? TARGETS
    : [only >= 0 ? Deno.args[only + 1] : undefined];
  let ok = true;
  for (const target of targets) ok = (await _compile(target)) && ok;
  Deno.exit(ok ? 0 : 1);
}
