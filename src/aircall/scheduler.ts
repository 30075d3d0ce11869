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
  #nextSlot = -Infinity;
  #pausedUntil = -Infinity;

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
  async take(): Promise<void> {
    while (true) {
      const now = this.#clock.now();
      const slot = Math.max(now, this.#nextSlot, this.#pausedUntil);
      this.#nextSlot = slot + (60_000 / this.#perMinute) * SPACING_MARGIN;
      if (slot <= now) return;
      await this.#clock.sleep(slot - now);
      // A rate-limit block that began while we slept holds this slot too.
      if (this.#pausedUntil <= this.#clock.now()) return;
    }
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
