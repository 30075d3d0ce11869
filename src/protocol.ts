/**
 * Airbyte protocol messages and the writer that prints them: one compact JSON
 * object per line, batched into large writes, with secrets masked in the
 * strings of every LOG, TRACE and CONNECTION_STATUS (never in keys, numbers,
 * records or states, which must reach the platform intact).
 *
 * @module
 */

import type { FailureType } from "./errors.ts";
import type { Redactor } from "./redact.ts";
import type { Sink } from "./runtime.ts";

/** An opaque per-stream state blob. */
export type StateBlob = Record<string, unknown>;

/** Stream lifecycle statuses, as Airbyte names them. */
export type StreamStatus = "STARTED" | "RUNNING" | "COMPLETE" | "INCOMPLETE";

/** Why a stream is waiting, for a RUNNING status. */
export type StatusReason = {
  type: "RATE_LIMITED";
  rate_limited: { quota_reset: number };
};

/** Log levels of an Airbyte LOG message. */
export type LogLevel = "FATAL" | "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";

/** Options of a {@linkcode MessageWriter}. */
export interface WriterOptions {
  /** Where lines go (stdout). */
  sink: Sink;
  /** Masks secrets in everything but records. */
  redact: Redactor;
  /** Epoch milliseconds, for `emitted_at`. */
  now?: () => number;
  /** Buffered bytes (approximately) that trigger a write. */
  highWaterMark?: number;
}

/**
 * Prints protocol messages. Lines are buffered and written in batches:
 * call {@linkcode MessageWriter.flush} at natural pauses (after a page) and
 * before exiting.
 *
 * @example
 * ```ts
 * const writer = new MessageWriter({ sink: stdout, redact: (t) => t });
 * writer.log("INFO", "Starting");
 * await writer.flush();
 * ```
 */
export class MessageWriter {
  #sink: Sink;
  #redact: Redactor;
  #now: () => number;
  #highWaterMark: number;
  #buffer: string[] = [];
  #buffered = 0;
  #writing: Promise<void> = Promise.resolve();
  #stated = new Set<string>();

  /**
   * Creates a writer.
   *
   * @param options Where to write and how to mask secrets.
   */
  constructor(options: WriterOptions) {
    this.#sink = options.sink;
    this.#redact = options.redact;
    this.#now = options.now ?? Date.now;
    this.#highWaterMark = options.highWaterMark ?? 64 * 1024;
  }

  /**
   * Queues the RECORDs of one page; records are data, passed through
   * unmasked. One envelope and one timestamp serve the whole page.
   *
   * @returns A promise to await when the buffer is being written
   *   (backpressure); nothing otherwise.
   */
  records(
    stream: string,
    records: readonly Record<string, unknown>[],
  ): Promise<void> | void {
    const head = `{"type":"RECORD","record":{"stream":${
      JSON.stringify(stream)
    },"data":`;
    const tail = `,"emitted_at":${this.#now()}}}\n`;
    let lines = "";
    for (const record of records) {
      lines += head + JSON.stringify(record) + tail;
    }
    return this.#append(lines);
  }

  /**
   * The streams with a STATE queued so far: printed once the writer is
   * flushed, so what a stopped run can resume from.
   */
  get streamsWithState(): ReadonlySet<string> {
    return this.#stated;
  }

  /** Queues a per-stream STATE with the records emitted since the previous one. */
  state(
    stream: string,
    streamState: StateBlob,
    recordCount: number,
  ): Promise<void> | void {
    this.#stated.add(stream);
    return this.#push(JSON.stringify({
      type: "STATE",
      state: {
        type: "STREAM",
        stream: {
          stream_descriptor: { name: stream },
          stream_state: streamState,
        },
        sourceStats: { recordCount },
      },
    }));
  }

  /** Queues a LOG line. */
  log(level: LogLevel, message: string): Promise<void> | void {
    return this.#message({ type: "LOG", log: { level, message } });
  }

  /** Queues a TRACE STREAM_STATUS. */
  streamStatus(
    stream: string,
    status: StreamStatus,
    reasons?: StatusReason[],
  ): Promise<void> | void {
    return this.#trace({
      type: "STREAM_STATUS",
      stream_status: {
        stream_descriptor: { name: stream },
        status,
        ...(reasons ? { reasons } : {}),
      },
    });
  }

  /** Queues a TRACE ESTIMATE of a stream's row count. */
  estimate(stream: string, rows: number): Promise<void> | void {
    return this.#trace({
      type: "ESTIMATE",
      estimate: { name: stream, type: "STREAM", row_estimate: rows },
    });
  }

  /** Queues a TRACE ERROR, optionally tied to one stream. */
  error(
    failureType: FailureType,
    message: string,
    internalMessage?: string,
    stream?: string,
  ): Promise<void> | void {
    return this.#trace({
      type: "ERROR",
      error: {
        message,
        failure_type: failureType,
        ...(internalMessage ? { internal_message: internalMessage } : {}),
        ...(stream ? { stream_descriptor: { name: stream } } : {}),
      },
    });
  }

  /** Queues the SPEC message. */
  spec(spec: Record<string, unknown>): Promise<void> | void {
    return this.#push(JSON.stringify({ type: "SPEC", spec }));
  }

  /** Queues the CATALOG message. */
  catalog(catalog: Record<string, unknown>): Promise<void> | void {
    return this.#push(JSON.stringify({ type: "CATALOG", catalog }));
  }

  /** Queues the one CONNECTION_STATUS of `check`. */
  connectionStatus(
    status: "SUCCEEDED" | "FAILED",
    message?: string,
  ): Promise<void> | void {
    return this.#message({
      type: "CONNECTION_STATUS",
      connectionStatus: { status, ...(message ? { message } : {}) },
    });
  }

  /**
   * Writes everything buffered and waits until the runtime has taken it.
   * Call it before exiting and where a person should see progress.
   */
  async flush(): Promise<void> {
    await this.#write();
    await this.#writing;
  }

  /**
   * Hands the buffer to the sink. One write may still be in flight while the
   * next batch is built (so composing and writing overlap); a second waits
   * for it, which is the backpressure.
   */
  async #write(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const text = this.#buffer.join("");
    this.#buffer = [];
    this.#buffered = 0;
    await this.#writing;
    this.#writing = this.#sink(text);
  }

  #trace(trace: Record<string, unknown>): Promise<void> | void {
    return this.#message({
      type: "TRACE",
      trace: { emitted_at: this.#now(), ...trace },
    });
  }

  /** A message the connector wrote itself: secrets masked in its strings. */
  #message(message: Record<string, unknown>): Promise<void> | void {
    return this.#push(
      JSON.stringify(
        message,
        (_key, value) =>
          typeof value === "string" ? this.#redact(value) : value,
      ),
    );
  }

  #push(line: string): Promise<void> | void {
    return this.#append(line + "\n");
  }

  #append(lines: string): Promise<void> | void {
    this.#buffer.push(lines);
    this.#buffered += lines.length;
    if (this.#buffered >= this.#highWaterMark) return this.#write();
  }
}
