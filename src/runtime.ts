/**
 * The only module that touches the host runtime: arguments, environment,
 * standard streams and the exit code. Everything else takes these as
 * parameters, so the same code runs under Deno and Node.
 *
 * @module
 */

import process from "node:process";

/** Writes text and resolves once the runtime has taken it (backpressure). */
export type Sink = (text: string) => Promise<void>;

function _sinkFor(stream: NodeJS.WritableStream): Sink {
  return (text) =>
    new Promise((resolve, reject) => {
      stream.write(text, (error) => error ? reject(error) : resolve());
    });
}

/** Command-line arguments after the program name. */
export function args(): string[] {
  return process.argv.slice(2);
}

/**
 * Reads an environment variable.
 *
 * @param name The variable's name.
 * @returns Its value, or `undefined` when unset or not readable.
 */
export function env(name: string): string | undefined {
  return process.env[name];
}

/** Standard output: protocol messages only. */
export const stdout: Sink = _sinkFor(process.stdout);

/** Standard error: human diagnostics only. */
export const stderr: Sink = _sinkFor(process.stderr);

/** Whether standard error is a terminal (a person is watching). */
export function isStderrTty(): boolean {
  return process.stderr.isTTY === true;
}

/**
 * Ends the process with `code`, after everything written has been flushed.
 *
 * @param code The exit code: 0 for success.
 */
export function exit(code: number): never {
  process.exit(code);
}
