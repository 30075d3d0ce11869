/**
 * The program: runs the CLI on the real process and exits with its code.
 * `mod.ts` calls it under `import.meta.main`; the npm build bundles
 * `src/bin.ts`, which calls it unconditionally.
 *
 * @module
 */

import { runCli } from "./cli.ts";
import * as runtime from "./runtime.ts";

/** Runs the command line of this process and exits. */
export async function main(): Promise<never> {
  return runtime.exit(
    await runCli(runtime.args(), {
      stdout: runtime.stdout,
      stderr: runtime.stderr,
      env: runtime.env,
      stderrIsTty: runtime.isStderrTty(),
      stderrColumns: runtime.stderrColumns,
      onStop: runtime.onStop,
      sqlite: runtime.loadSqlite,
    }),
  );
}
