/**
 * The engine's messages, written to the local database instead of stdout:
 * `sync` runs the same read as `read`, with this writer in the protocol
 * writer's place. Records and STATE go to the {@linkcode SyncStore}, keyed
 * by stream (streams may interleave); stream statuses start and end each
 * stream's table; LOG lines become human lines on stderr.
 *
 * @module
 */

import {
  type LogLevel,
  MessageWriter,
  type StateBlob,
  type StreamStatus,
} from "../protocol.ts";
import type { Redactor } from "../redact.ts";
import type { Sink } from "../runtime.ts";
import type { SyncStore } from "./store.ts";

/** Options of a {@linkcode DatabaseWriter}. */
export interface DatabaseWriterOptions {
  /** Where LOG lines go, as text for people. */
  stderr: Sink;
  /** Masks secrets in those lines. */
  redact: Redactor;
  /** Epoch milliseconds. */
  now?: () => number;
}

/**
 * A {@linkcode MessageWriter} whose records and states land in a SQLite
 * database.
 *
 * @example
 * ```ts ignore
 * const writer = new DatabaseWriter(store, { stderr, redact: (t) => t });
 * await read(config, streams, store.state(), { apiUrl, now, writer });
 * store.close();
 * ```
 */
export class DatabaseWriter extends MessageWriter {
  #store: SyncStore;
  #stderr: Sink;
  #redact: Redactor;

  /**
   * Creates the writer.
   *
   * @param store The open database.
   * @param options Where LOG lines go.
   */
  constructor(store: SyncStore, options: DatabaseWriterOptions) {
    super({ sink: options.stderr, redact: options.redact, now: options.now });
    this.#store = store;
    this.#stderr = options.stderr;
    this.#redact = options.redact;
  }

  /** Writes a page of records to the stream's table. */
  override records(
    stream: string,
    records: readonly Record<string, unknown>[],
  ): void {
    this.#store.insert(stream, records);
  }

  /** Commits the stream's state with every record before it. */
  override state(stream: string, streamState: StateBlob): void {
    this.#store.checkpoint(stream, streamState);
  }

  /** Starts and ends the stream's table. */
  override streamStatus(stream: string, status: StreamStatus): void {
    if (status === "STARTED") this.#store.streamStarted(stream);
    else if (status !== "RUNNING") {
      this.#store.streamEnded(stream, status === "COMPLETE");
    }
  }

  /**
   * A line on stderr. ERROR lines are left to the command line, which says
   * which stream failed and why once, at the end.
   */
  override log(level: LogLevel, message: string): Promise<void> | void {
    if (level === "ERROR" || level === "FATAL") return;
    const prefix = level === "WARN" ? "warning: " : "";
    return this.#stderr(this.#redact(`source-aircall: ${prefix}${message}\n`));
  }

  /** The command line reports failures (see {@linkcode DatabaseWriter.log}). */
  override error(): void {}

  /** Estimates reach the progress display through the observer. */
  override estimate(): void {}

  /** Nothing is buffered: each line is written when logged. */
  override flush(): Promise<void> {
    return Promise.resolve();
  }
}
