/**
 * STATE at a rate the platform can hold. The platform keeps every STATE
 * until the destination confirms it (PyAirbyte keeps them all), and floods of
 * them have broken syncs, so Airbyte's own CDK sends at most one a minute per
 * stream. A reader checkpoints wherever a read could resume (each window,
 * each call asked); the pacer lets one through per interval and holds the
 * rest, a newer checkpoint replacing the held one. A checkpoint goes out
 * only where the reader made it, before any record it does not cover (a
 * held one sent later would claim records it does not cover, and a resume
 * would repeat them), and the held one whenever the stream ends, completed,
 * failed or stopped: a kill repeats at most about one interval of work, and
 * never loses a checkpoint of a finished stream.
 *
 * @module
 */

import type { StateBlob } from "./protocol.ts";

/** The least time between two STATEs of one stream, by default: a minute. */
export const STATE_INTERVAL_MS = 60_000;

/**
 * Paces one stream's checkpoints: at most one per interval, counted from
 * the stream's start, the newest held in between.
 *
 * @example
 * ```ts
 * let now = 0;
 * const pacer = new StatePacer(60_000, () => now);
 * pacer.offer({ page: 1 }); // undefined: held, the stream just began
 * now = 61_000;
 * pacer.offer({ page: 2 }); // { page: 2 }: due, replaces { page: 1 }
 * pacer.offer({ page: 3 }); // undefined: held
 * pacer.flush(); // { page: 3 }: the stream ends
 * ```
 */
export class StatePacer {
  #intervalMs: number;
  #now: () => number;
  #last: number;
  #held?: StateBlob;

  /**
   * Starts pacing a stream that begins now.
   *
   * @param intervalMs Least time between two STATEs, in ms (0: no pacing).
   * @param now The clock, epoch milliseconds.
   */
  constructor(
    intervalMs: number = STATE_INTERVAL_MS,
    now: () => number = Date.now,
  ) {
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#last = now();
  }

  /**
   * Offers a checkpoint, made where the reader could resume.
   *
   * @param state The newest checkpoint.
   * @returns The state to emit now (the interval since the last one has
   *   passed), or `undefined` when it is held.
   */
  offer(state: StateBlob): StateBlob | undefined {
    this.#held = state;
    return this.#now() - this.#last < this.#intervalMs
      ? undefined
      : this.flush();
  }

  /**
   * The held checkpoint whatever the time: the stream ends.
   *
   * @returns The state to emit now, or `undefined` when none is held.
   */
  flush(): StateBlob | undefined {
    const held = this.#held;
    if (held === undefined) return undefined;
    this.#held = undefined;
    this.#last = this.#now();
    return held;
  }
}

/**
 * The checkpoint the running stream holds back, for a stop signal (SIGINT,
 * SIGTERM) to write before the process exits: a stopped read then resumes
 * from its newest checkpoint, not from the last one the pacing let through.
 *
 * @example
 * ```ts
 * const held = new HeldCheckpoint();
 * // readStreams(..., { held }) while it runs; on a stop signal:
 * await held.write();
 * ```
 */
export class HeldCheckpoint {
  #write?: () => Promise<void>;

  /**
   * The engine: how to write the running stream's held checkpoint.
   *
   * @param write Writes it (nothing when none is held).
   */
  hold(write: () => Promise<void>): void {
    this.#write = write;
  }

  /** The engine: the stream ended, nothing is held for it any more. */
  release(): void {
    this.#write = undefined;
  }

  /** Writes the held checkpoint, once. */
  async write(): Promise<void> {
    const write = this.#write;
    this.#write = undefined;
    await write?.();
  }
}
