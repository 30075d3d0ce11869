/**
 * Live progress of a `read` for a person at a terminal: one line on stderr,
 * redrawn in place, per stream — records, pages, rate-limit waits. Only
 * used when stderr is a TTY; never touches stdout.
 *
 * @module
 */

/**
 * What a read tells an observer: the engine reports streams and records, the
 * client's retry hook the rate-limit waits.
 */
export interface ReadObserver {
  /** A stream began. */
  streamStarted(stream: string): void;
  /** A page of `count` records was emitted. */
  records(count: number): void;
  /** Every request waits `waitMs` for Aircall's rate limit to reset. */
  rateLimited(waitMs: number): void;
  /** The stream ended with this status. */
  streamEnded(status: "COMPLETE" | "INCOMPLETE"): void;
}

/** Redraws at most this often, in ms: a terminal need not see every page. */
const REDRAW_MS = 100;

/**
 * A {@linkcode ReadObserver} that draws on a terminal.
 *
 * @example
 * ```ts
 * const progress = new TerminalProgress((text) => process.stderr.write(text));
 * ```
 */
export class TerminalProgress implements ReadObserver {
  #write: (text: string) => void;
  #now: () => number;
  #stream = "";
  #records = 0;
  #pages = 0;
  #started = 0;
  #waitUntil = 0;
  #drawn = -Infinity;

  /**
   * Creates a progress line.
   *
   * @param write Writes to the terminal (stderr).
   * @param now Epoch ms, injectable for tests.
   */
  constructor(write: (text: string) => void, now: () => number = Date.now) {
    this.#write = write;
    this.#now = now;
  }

  /** @inheritdoc */
  streamStarted(stream: string): void {
    this.#stream = stream;
    this.#records = 0;
    this.#pages = 0;
    this.#waitUntil = 0;
    this.#started = this.#now();
    this.#draw(true);
  }

  /** @inheritdoc */
  records(count: number): void {
    this.#records += count;
    this.#pages++;
    this.#draw(false);
  }

  /** @inheritdoc */
  rateLimited(waitMs: number): void {
    this.#waitUntil = this.#now() + waitMs;
    this.#draw(true);
  }

  /** @inheritdoc */
  streamEnded(status: "COMPLETE" | "INCOMPLETE"): void {
    this.#waitUntil = 0;
    this.#draw(true, status === "COMPLETE" ? "done" : "FAILED");
    this.#write("\n");
  }

  #draw(force: boolean, outcome?: string): void {
    const now = this.#now();
    if (!force && now - this.#drawn < REDRAW_MS) return;
    this.#drawn = now;
    const seconds = ((now - this.#started) / 1000).toFixed(1);
    const pages = `${this.#pages} ${this.#pages === 1 ? "page" : "pages"}`;
    let line = `${this.#stream}: ${
      this.#records.toLocaleString("en-US")
    } records, ${pages}, ${seconds} s`;
    if (this.#waitUntil > now) {
      line += `, rate limited: resuming in ${
        Math.ceil((this.#waitUntil - now) / 1000)
      } s`;
    }
    if (outcome) line += `, ${outcome}`;
    // Carriage return and "erase line": redraw in place.
    this.#write(`\r\x1b[2K${line}`);
  }
}
