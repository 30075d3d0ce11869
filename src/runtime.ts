/**
 * The only module that touches the host runtime: arguments, environment,
 * standard streams, signals and the exit code. Everything else takes these
 * as parameters, so the same code runs under Deno and Node.
 *
 * @module
 */

import process from "node:process";
import { ConnectorError } from "./errors.ts";
import type { DatabaseSync } from "node:sqlite";

/** Writes text and resolves once the runtime has taken it (backpressure). */
export type Sink = (text: string) => Promise<void>;

/**
 * The exit code when stdout is closed under the connector (`read | head`):
 * 128 + SIGPIPE, as a Unix tool killed by the closed pipe reports.
 */
export const EXIT_STDOUT_CLOSED = 141;

/** The exit codes of the stop signals: 128 + the signal's number. */
export const EXIT_SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;

/** A signal that stops a run. */
export type StopSignal = keyof typeof EXIT_SIGNALS;

/** The longest a stop handler may take before the process ends anyway, in ms. */
const STOP_GRACE_MS = 2_000;

function _isClosedPipe(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "EPIPE";
}

/**
 * A sink on a standard stream. A reader that went away (EPIPE) ends the
 * process at once and quietly: nobody is left to read what would follow,
 * and no request should be made for it.
 */
function _sinkFor(stream: NodeJS.WritableStream): Sink {
  stream.on("error", (error) => {
    if (_isClosedPipe(error)) exit(EXIT_STDOUT_CLOSED);
    throw error;
  });
  return (text) =>
    new Promise((resolve, reject) => {
      stream.write(text, (error) => {
        if (_isClosedPipe(error)) exit(EXIT_STDOUT_CLOSED);
        return error ? reject(error) : resolve();
      });
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
 * @returns Its value, or `undefined` when unset.
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
 * The width of the terminal standard error is on, asked each time (a
 * window may be resized).
 *
 * @returns Its columns, or `undefined` when it is not a terminal or does
 *   not say.
 */
export function stderrColumns(): number | undefined {
  const columns = process.stderr.columns;
  return columns > 0 ? columns : undefined;
}

/**
 * Runs `handler` on SIGINT or SIGTERM, then ends the process with 130 or
 * 143. A second signal, or a handler slower than two seconds, ends it at
 * once.
 *
 * @param handler Says what was done and where to resume.
 */
export function onStop(handler: (signal: StopSignal) => Promise<void>): void {
  let stopping = false;
  for (const signal of Object.keys(EXIT_SIGNALS) as StopSignal[]) {
    const code = EXIT_SIGNALS[signal];
    try {
      process.on(signal, () => {
        if (stopping) exit(code);
        stopping = true;
        setTimeout(() => exit(code), STOP_GRACE_MS);
        handler(signal).finally(() => exit(code));
      });
    } catch {
      // A signal this platform cannot listen to (SIGTERM on Windows).
    }
  }
}

/**
 * Ends the process with `code`, after everything written has been flushed.
 *
 * @param code The exit code: 0 for success.
 */
export function exit(code: number): never {
  process.exit(code);
}

/** What `node:sqlite` offers `sync`. */
export interface Sqlite {
  /** The synchronous database class. */
  DatabaseSync: typeof DatabaseSync;
}

/** The first Node release with `node:sqlite` unflagged. */
export const NODE_FOR_SYNC = "22.13";

/**
 * Loads `node:sqlite` for `sync`. Node (22 and 23) warns that it is
 * experimental on every load: the warning says nothing to the person who
 * asked for a sync, so it is kept off stderr; any other warning passes.
 *
 * @returns The module.
 * @throws {ConnectorError} Under a Node older than {@linkcode NODE_FOR_SYNC},
 *   one line saying which version `sync` needs.
 */
export async function loadSqlite(): Promise<Sqlite> {
  const [major, minor] = process.versions.node.split(".").map(Number);
  const [needMajor, needMinor] = NODE_FOR_SYNC.split(".").map(Number);
  if (
    !process.versions.deno &&
    (major < needMajor || (major === needMajor && minor < needMinor))
  ) {
    throw new ConnectorError(
      "system_error",
      `sync needs Node ${NODE_FOR_SYNC} or later for its SQLite database (this is Node ${process.versions.node}); upgrade Node, or use read, which runs on Node 20.`,
    );
  }
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/i.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(
      process,
      warning,
      ...rest,
    );
  }) as typeof process.emitWarning;
  try {
    return await import("node:sqlite");
  } finally {
    process.emitWarning = emitWarning;
  }
}
