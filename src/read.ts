/**
 * The read engine: runs each configured stream's reader and turns its events
 * into protocol messages — records, STATE with exact record counts,
 * STREAM_STATUS and ESTIMATE traces. A failing stream ends INCOMPLETE with its
 * own error trace; the others still run, unless the failure stops the run
 * (a rejected API key, an API never reached): then no later stream is read.
 *
 * @module
 */

import {
  asConnectorError,
  type ConnectorError,
  RunStoppingError,
} from "./errors.ts";
import type { ConfiguredStream, InputState } from "./inputs.ts";
import type { ReadObserver } from "./progress.ts";
import type { MessageWriter, StateBlob } from "./protocol.ts";
import { type ReaderContext, readStream } from "./readers/mod.ts";
import { GcPacer } from "./gc_pacer.ts";
import {
  type HeldCheckpoint,
  STATE_INTERVAL_MS,
  StatePacer,
} from "./state_pacer.ts";
import type { StreamDefinition } from "./streams/mod.ts";

/** What the engine reports; requests and rate-limit waits reach observers from the client. */
export type StreamObserver = Omit<ReadObserver, "rateLimited" | "requested">;

/** How the engine paces what it writes. */
export interface EngineOptions {
  /** The clock, epoch milliseconds (default `Date.now`). */
  now?: () => number;
  /**
   * Least time between two STATEs of one stream, in ms (default
   * {@linkcode STATE_INTERVAL_MS}; 0 writes every checkpoint).
   */
  stateIntervalMs?: number;
  /** Where a stop signal finds the running stream's held checkpoint. */
  held?: HeldCheckpoint;
  /** Paces garbage collection by records written (default a full collection every 5,000 records once V8 has grown its young generation). */
  gc?: GcPacer;
}

/** A stream that ended INCOMPLETE. */
export interface StreamFailure {
  stream: string;
  error: ConnectorError;
}

/**
 * Reads every configured stream, in the order given (`readOrder` of
 * `source.ts`: the catalog's, calls before the per-call streams).
 *
 * @param streams The configured catalog.
 * @param state Saved state per stream (ignored for full refresh streams).
 * @param context The client, config and the sync's clock.
 * @param writer Where messages go.
 * @param observer Told of each stream's progress (status reports, a terminal).
 * @param options The clock and the STATE interval.
 * @returns The streams that failed, with why (empty when all completed);
 *   after a {@linkcode RunStoppingError}, the streams past it were not read.
 */
export async function readStreams(
  streams: readonly ConfiguredStream[],
  state: InputState,
  context: ReaderContext,
  writer: MessageWriter,
  observer?: StreamObserver,
  options: EngineOptions = {},
): Promise<StreamFailure[]> {
  const failures: StreamFailure[] = [];
  const gc = options.gc ?? new GcPacer();
  for (const { definition, syncMode } of streams) {
    const name = definition.name;
    await observer?.streamStarted(name);
    await writer.streamStatus(name, "STARTED");
    const pacer = new StatePacer(
      options.stateIntervalMs ?? STATE_INTERVAL_MS,
      options.now,
    );
    const progress = new _StreamProgress(definition, writer, gc, observer);
    options.held?.hold(() => progress.emit(pacer.flush()));
    try {
      const events = readStream(definition, syncMode, context, state.get(name));
      for await (const event of events) {
        switch (event.kind) {
          case "records":
            await progress.records(event.records);
            break;
          case "checkpoint":
            await progress.emit(pacer.offer(event.state));
            break;
          case "estimate":
            await progress.estimate(event.rows);
            break;
          case "info":
            await writer.log("INFO", event.message);
            await observer?.note("INFO", event.message);
            break;
          case "warning":
            await writer.log("WARN", event.message);
            await observer?.note("WARN", event.message);
            break;
        }
      }
      await progress.emit(pacer.flush());
      await progress.finish();
      await writer.streamStatus(name, "COMPLETE");
      await observer?.streamEnded("COMPLETE");
    } catch (error) {
      // The checkpoint held covers records already written: the next
      // attempt resumes from it.
      await progress.emit(pacer.flush());
      const failure = asConnectorError(error);
      failures.push({ stream: name, error: failure });
      await writer.log("ERROR", `Stream ${name} failed: ${failure.message}`);
      await writer.error(
        failure.failureType,
        failure.message,
        failure.internalMessage,
        name,
      );
      await writer.streamStatus(name, "INCOMPLETE");
      await observer?.streamEnded("INCOMPLETE");
      if (failure instanceof RunStoppingError) {
        await writer.flush();
        break;
      }
    }
    options.held?.release();
    await writer.flush();
  }
  return failures;
}

/** Counts, checkpoints and statuses of one stream. */
class _StreamProgress {
  #definition: StreamDefinition;
  #writer: MessageWriter;
  #sinceState = 0;
  #running = false;
  #estimated = false;
  #emitted?: string;
  #observer?: StreamObserver;
  #gc: GcPacer;

  constructor(
    definition: StreamDefinition,
    writer: MessageWriter,
    gc: GcPacer,
    observer?: StreamObserver,
  ) {
    this.#definition = definition;
    this.#writer = writer;
    this.#gc = gc;
    this.#observer = observer;
  }

  async records(records: Record<string, unknown>[]): Promise<void> {
    const { name, omit } = this.#definition;
    if (!this.#running) {
      this.#running = true;
      await this.#writer.streamStatus(name, "RUNNING");
    }
    if (omit) {
      for (const record of records) {
        for (const field of omit) delete record[field];
      }
    }
    await this.#writer.records(name, records);
    this.#gc.records(records.length);
    this.#sinceState += records.length;
    await this.#observer?.records(records.length);
  }

  async estimate(rows: number): Promise<void> {
    if (this.#estimated) return;
    this.#estimated = true;
    await this.#writer.estimate(this.#definition.name, rows);
    await this.#observer?.estimate(rows);
  }

  /**
   * Emits a STATE (if given one) with the records since the previous one,
   * on stdout before the reader makes another request: a kill then never
   * loses a checkpoint written. Readers only checkpoint progress, so a
   * repeat can only come with no records between: it says nothing and is
   * skipped.
   */
  async emit(state: StateBlob | undefined): Promise<void> {
    if (state === undefined) return;
    const json = JSON.stringify(state);
    if (json === this.#emitted && this.#sinceState === 0) return;
    await this.#writer.state(this.#definition.name, state, this.#sinceState);
    await this.#writer.flush();
    this.#sinceState = 0;
    this.#emitted = json;
  }

  /** The stream's last word before COMPLETE: RUNNING if never said. */
  async finish(): Promise<void> {
    if (this.#emitted === undefined || this.#sinceState > 0) {
      throw new Error(`${this.#definition.name}: records after the last state`);
    }
    if (!this.#running) {
      this.#running = true;
      await this.#writer.streamStatus(this.#definition.name, "RUNNING");
    }
  }
}
