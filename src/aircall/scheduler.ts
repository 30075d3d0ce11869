/**
 * One pacing gate shared by every request of a run: at most `perMinute`
 * request starts in any rolling minute, spread evenly (one every
 * `60 s / perMinute`) rather than in bursts, because Aircall's limit is per
 * company and a 429 blocks the customer's other integrations too.
 *
 * @module
 */

/** Clock and timer, injectable for tests. */
export interface SchedulerClock {
  /** Monotonic milliseconds. */
  now: () => number;
  /** Resolves after `ms` milliseconds. */
  sleep: (ms: number) => Promise<void>;
}

/**
 * Spacing slightly above `60 s / perMinute`: requests leave on time but may
 * arrive a few ms apart from their schedule, and the server counts arrivals.
 */
const SPACING_MARGIN = 1.005;

const realClock: SchedulerClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A request pacer.
 *
 * @example
 * ```ts
 * const gate = new Scheduler(60);
 * await gate.take(); // resolves when the next request may start
 * ```
 */
export class Scheduler {
  #clock: SchedulerClock;
  #perMinute: number;
  /** The earliest moment the next request may start. */
  #nextAt = -Infinity;
  #pausedUntil = -Infinity;
  /** Callers waiting for a slot, first come first served. */
  #waiting: (() => void)[] = [];
  #releasing = false;

  /**
   * Creates a pacer.
   *
   * @param perMinute Requests allowed per rolling minute.
   * @param clock Injectable clock for tests.
   */
  constructor(perMinute: number, clock: SchedulerClock = realClock) {
    this.#perMinute = perMinute;
    this.#clock = clock;
  }

  /** The current pace, in requests per minute. */
  get perMinute(): number {
    return this.#perMinute;
  }

  /** Waits for the next free slot and claims it. */
  take(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      if (!this.#releasing) void this.#release();
    });
  }

  /**
   * Lets the waiting callers go one at a time. Each slot is spaced from the
   * moment the previous one was actually given, not from when it was due:
   * a timer that fires late (a busy event loop, a long collection) then
   * delays the requests after it instead of bunching them, and the server,
   * which counts arrivals, never sees two closer than the pace allows.
   */
  async #release(): Promise<void> {
    this.#releasing = true;
    while (this.#waiting.length > 0) {
      const now = this.#clock.now();
      const at = Math.max(this.#nextAt, this.#pausedUntil);
      if (at > now) {
        // Looked at again after the sleep: a rate-limit block may have begun.
        await this.#clock.sleep(at - now);
        continue;
      }
      this.#nextAt = now + (60_000 / this.#perMinute) * SPACING_MARGIN;
      this.#waiting.shift()!();
    }
    this.#releasing = false;
  }

  /**
   * Holds every request until `ms` from now (a rate-limit block).
   *
   * @param ms How long to pause.
   */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
  }

  /**
   * Lowers the pace to a limit the API reported, if below the current one.
   *
   * @param perMinute The API's limit per minute.
   */
  lowerTo(perMinute: number): void {
    if (perMinute >= 1 && perMinute < this.#perMinute) {
      this.#perMinute = perMinute;
    }
  }
}
