/**
 * What a `read` tells whoever watches it, and the two who do: a person at a
 * terminal (one line on stderr per stream, redrawn in place) and everyone
 * else (the Airbyte platform, cron: a LOG line on stdout now and then). Both
 * report the same figures: records, the ESTIMATE, requests, pace and
 * rate-limit waits. Neither says anything per record or per page. The
 * readers' notes (what a stream will cost, say), which the engine logs on
 * stdout, the terminal shows too.
 *
 * @module
 */

import type { LogLevel } from "./protocol.ts";

/** How a stream ended. */
export type StreamOutcome = "COMPLETE" | "INCOMPLETE";

/**
 * What a read tells an observer: the engine reports streams, estimates and
 * records; the client's hooks report requests and rate-limit waits.
 * A method may return a promise (a LOG written): the caller awaits it.
 */
export interface ReadObserver {
  /** A stream began. */
  streamStarted(stream: string): void | Promise<void>;
  /** Aircall's count of the stream's records (the ESTIMATE). */
  estimate(rows: number): void | Promise<void>;
  /** A page of `count` records was emitted. */
  records(count: number): void | Promise<void>;
  /** A request was answered or failed (one attempt). */
  requested(): void | Promise<void>;
  /** Every request waits `waitMs` for Aircall's rate limit to reset. */
  rateLimited(waitMs: number): void | Promise<void>;
  /** The stream ended with this status. */
  streamEnded(status: StreamOutcome): void | Promise<void>;
  /**
   * A reader said something worth a person's attention (what a stream will
   * cost, a range read again, records that cannot be read); the engine has
   * logged it on stdout already.
   */
  note(level: NoteLevel, message: string): void | Promise<void>;
}

/** The levels of a reader's notes. */
export type NoteLevel = Extract<LogLevel, "INFO" | "WARN">;

/** The figures of one stream's read. */
export interface StreamFigures {
  /** The stream's name. */
  stream: string;
  /** Records emitted so far. */
  records: number;
  /** The ESTIMATE, when Aircall reported a total. */
  estimate?: number;
  /** Requests answered or failed (attempts). */
  requests: number;
  /** Rate-limit waits. */
  waits: number;
  /** When the stream began, epoch ms. */
  startedMs: number;
  /** When the current rate-limit wait ends, epoch ms (0: none). */
  waitUntilMs: number;
  /** How it ended, once it has. */
  outcome?: StreamOutcome;
}

/** `1 record`, `2 records`, `1,234 records`. */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * A duration for people.
 *
 * @example
 * ```ts
 * formatDuration(7_500); // "about 2 h 5 min"
 * formatDuration(30); // "under a minute"
 * ```
 */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `about ${minutes} min`;
  const rest = minutes % 60;
  return `about ${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ""}`;
}

/** A duration as `m:ss` (or `h:mm:ss`). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor(total / 60) % 60;
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`
    : `${minutes}:${seconds}`;
}

/** Requests per minute are averaged over at most this span, in ms. */
const PACE_SPAN_MS = 60_000;

/**
 * Counts a read's figures per stream; the reporters draw or log them.
 * Its {@linkcode ReadTally.summary} says what a stopped run had read.
 */
export class ReadTally implements ReadObserver {
  /** Streams read so far, the current one last. */
  readonly streams: StreamFigures[] = [];
  /** Epoch ms. */
  protected readonly now: () => number;
  /** When the run's requests of the last minute ended, for the pace. */
  #recent: number[] = [];
  /** When the run's first request ended, epoch ms. */
  #firstRequestMs?: number;

  /**
   * Creates a tally.
   *
   * @param now Epoch ms, injectable for tests.
   */
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** The stream being read, if any. */
  get current(): StreamFigures | undefined {
    const last = this.streams.at(-1);
    return last?.outcome ? undefined : last;
  }

  /** @inheritdoc */
  streamStarted(stream: string): void | Promise<void> {
    this.streams.push({
      stream,
      records: 0,
      requests: 0,
      waits: 0,
      startedMs: this.now(),
      waitUntilMs: 0,
    });
    return this.changed(false);
  }

  /** @inheritdoc */
  estimate(rows: number): void | Promise<void> {
    if (this.current) this.current.estimate = rows;
    return this.changed(false);
  }

  /** @inheritdoc */
  records(count: number): void | Promise<void> {
    if (this.current) this.current.records += count;
    return this.changed(false);
  }

  /** @inheritdoc */
  requested(): void | Promise<void> {
    if (this.current) this.current.requests++;
    const now = this.now();
    this.#firstRequestMs ??= now;
    this.#recent.push(now);
    while (this.#recent[0] <= now - PACE_SPAN_MS) this.#recent.shift();
    return this.changed(false);
  }

  /** @inheritdoc */
  rateLimited(waitMs: number): void | Promise<void> {
    const current = this.current;
    if (current) {
      current.waits++;
      current.waitUntilMs = Math.max(current.waitUntilMs, this.now() + waitMs);
    }
    return this.changed(false);
  }

  /** @inheritdoc */
  streamEnded(status: StreamOutcome): void | Promise<void> {
    const current = this.current;
    if (!current) return;
    current.outcome = status;
    current.waitUntilMs = 0;
    return this.changed(true, current);
  }

  /**
   * The run's requests per minute, over its last minute (the pace is the
   * run's: one scheduler serves every stream).
   *
   * @returns The pace, or `undefined` in the first second of requests.
   */
  pace(): number | undefined {
    if (this.#firstRequestMs === undefined) return undefined;
    const now = this.now();
    const span = Math.min(now - this.#firstRequestMs, PACE_SPAN_MS);
    if (span < 1000) return undefined;
    const count = this.#recent.filter((time) => time >= now - span).length;
    return Math.round(count * 60_000 / span);
  }

  /**
   * What was read, in one line: each stream's records and whether it ended.
   *
   * @example
   * ```ts
   * tally.summary(); // "calls (1,200 records, complete) and contacts (50 records so far)"
   * ```
   */
  summary(): string {
    const parts = this.streams.map(({ stream, records, outcome }) =>
      `${stream} (${plural(records, "record")}${
        outcome === "COMPLETE"
          ? ", complete"
          : outcome === "INCOMPLETE"
          ? ", failed"
          : " so far"
      })`
    );
    if (parts.length <= 1) return parts.join("");
    return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  }

  /** @inheritdoc */
  note(_level: NoteLevel, _message: string): void | Promise<void> {}

  /** The run was stopped in the middle: end what is drawn, so a message can follow. */
  interrupt(): void {}

  /**
   * Told after every change; the reporters draw or log here.
   *
   * @param ended Whether a stream just ended (`figures` is that stream).
   * @param figures The stream that ended.
   */
  protected changed(
    _ended: boolean,
    _figures?: StreamFigures,
  ): void | Promise<void> {}
}

/** Redraws at most this often, in ms: a few times a second. */
const REDRAW_MS = 250;

/** Starts a repeating timer; returns its stop function. */
export type Ticker = (tick: () => void, everyMs: number) => () => void;

const _interval: Ticker = (tick, everyMs) => {
  const id = setInterval(tick, everyMs);
  return () => clearInterval(id);
};

/** The width of a terminal that does not say its own, in columns. */
const DEFAULT_COLUMNS = 80;

/** The width of the terminal, asked at each redraw; `undefined` when unknown. */
export type Columns = () => number | undefined;

/**
 * `text` cut to `width` characters, an ellipsis marking the cut.
 *
 * @param text One line.
 * @param width The most characters it may take, at least 1.
 */
function _cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * The progress line a person sees at a terminal, per stream: records,
 * percentage and time left from the ESTIMATE, requests and their pace, the
 * elapsed clock (ticking through rate-limit waits, with their countdown).
 * The line always fits the terminal's width, so redrawing it in place never
 * leaves wrapped rows behind: on a narrow terminal it drops the requests,
 * then the elapsed clock, then says `12,345/123,456` for `12,345 of
 * 123,456 records`, and is cut last.
 *
 * @example
 * ```ts
 * const progress = new TerminalProgress((text) => process.stderr.write(text));
 * ```
 */
export class TerminalProgress extends ReadTally {
  #write: (text: string) => void;
  #ticker: Ticker;
  #columns: Columns;
  #stopTicking?: () => void;
  #drawnAt = -Infinity;
  #drawn = "";

  /**
   * Creates a progress line.
   *
   * @param write Writes to the terminal (stderr).
   * @param now Epoch ms, injectable for tests.
   * @param ticker Redraws the clock while nothing else happens (a wait).
   * @param columns The terminal's width, asked at each redraw (a window may
   *   be resized); 80 when it does not say.
   */
  constructor(
    write: (text: string) => void,
    now: () => number = Date.now,
    ticker: Ticker = _interval,
    columns: Columns = () => undefined,
  ) {
    super(now);
    this.#write = write;
    this.#ticker = ticker;
    this.#columns = columns;
  }

  /**
   * The line of a stream as it stands, at most `width` characters.
   *
   * @param figures The stream's figures.
   * @param width The most characters the line may take.
   * @returns The line, without its own end.
   */
  line(figures: StreamFigures, width = Infinity): string {
    const now = this.now();
    const { stream, records, estimate, requests, outcome } = figures;
    const elapsed = now - figures.startedMs;
    const done = outcome === "COMPLETE";
    const count = records.toLocaleString("en-US");
    let counted = estimate === undefined
      ? plural(records, "record")
      : `${count} of ${plural(estimate, "record")}`;
    let brief = estimate === undefined
      ? count
      : `${count}/${estimate.toLocaleString("en-US")}`;
    if (estimate !== undefined && (estimate > 0 || done)) {
      const percent = done ? 100 : Math.min(
        99,
        Math.floor(records * 100 / Math.max(estimate, 1)),
      );
      counted += ` (${percent}%)`;
      brief += ` (${percent}%)`;
    }
    let asked = plural(requests, "request");
    const pace = outcome ? undefined : this.pace();
    if (pace !== undefined) asked += ` at ${pace}/min`;
    let status: string | undefined;
    if (outcome) {
      status = done ? "done" : "FAILED";
    } else if (figures.waitUntilMs > now) {
      status = `rate limited: resuming in ${
        Math.ceil((figures.waitUntilMs - now) / 1000)
      } s`;
    } else if (estimate !== undefined && records > 0 && records < estimate) {
      status = `about ${clock(elapsed * (estimate - records) / records)} left`;
    }
    const head = `${stream}: ${counted}`;
    const took = `${clock(elapsed)} elapsed`;
    // The least telling part goes first when the terminal is narrow.
    const choices: (string | undefined)[][] = [
      [head, asked, took, status],
      [head, took, status],
      [head, status],
      [`${stream}: ${brief}`, status],
    ];
    const lines = choices.map((parts) =>
      parts.filter((part) => part !== undefined).join(", ")
    );
    return lines.find((line) => line.length <= width) ??
      _cut(lines.at(-1)!, Math.max(1, width));
  }

  /** Stops the clock and ends the line, so a message can follow on its own line. */
  override interrupt(): void {
    this.#stopTicking?.();
    this.#stopTicking = undefined;
    if (this.#drawn) this.#write("\n");
    this.#drawn = "";
  }

  /**
   * Shows a reader's note on rows of its own above the progress line, which
   * is drawn again below it: the note stays on screen, the line goes on.
   */
  override note(level: NoteLevel, message: string): void {
    if (this.#drawn) this.#write("\r\x1b[2K");
    this.#drawn = "";
    this.#write(`${level === "WARN" ? "Warning: " : ""}${message}\n`);
    const current = this.current;
    if (current) this.#draw(current, true);
  }

  /** Redraws the current stream's line (the ticker calls it). */
  redraw(): void {
    const current = this.current;
    if (current) this.#draw(current, false);
  }

  /** @inheritdoc */
  protected override changed(ended: boolean, figures?: StreamFigures): void {
    if (ended && figures) {
      this.#stopTicking?.();
      this.#stopTicking = undefined;
      this.#draw(figures, true);
      this.#write("\n");
      this.#drawn = "";
      return;
    }
    const current = this.current;
    if (!current) return;
    this.#stopTicking ??= this.#ticker(() => this.redraw(), REDRAW_MS);
    this.#draw(current, current.requests === 0 && current.records === 0);
  }

  #draw(figures: StreamFigures, force: boolean): void {
    const now = this.now();
    if (!force && now - this.#drawnAt < REDRAW_MS) return;
    // One column spare: a line filling the last column would wrap the
    // cursor on some terminals, and the next redraw would leave it behind.
    const line = this.line(
      figures,
      (this.#columns() ?? DEFAULT_COLUMNS) - 1,
    );
    if (line === this.#drawn) return;
    this.#drawnAt = now;
    this.#drawn = line;
    // Carriage return and "erase line": redraw in place.
    this.#write(`\r\x1b[2K${line}`);
  }
}

/** A LOG line's writer: the protocol writer's `log`, then a flush. */
export type LogWriter = (level: LogLevel, message: string) => Promise<void>;

/** A long stream is reported at most this often, in ms. */
const LOG_EVERY_MS = 30_000;

/**
 * Progress for the Airbyte platform and other non-terminals: a LOG INFO
 * line at most every 30 s while a stream runs (records so far, the
 * estimate, rate-limit waits) and one when it ends (records, requests,
 * seconds).
 *
 * @example
 * ```ts
 * const progress = new LogProgress(async (level, message) => {
 *   await writer.log(level, message);
 *   await writer.flush();
 * });
 * ```
 */
export class LogProgress extends ReadTally {
  #log: LogWriter;
  #loggedAt = 0;

  /**
   * Creates the reporter.
   *
   * @param log Writes one LOG message.
   * @param now Epoch ms, injectable for tests.
   */
  constructor(log: LogWriter, now: () => number = Date.now) {
    super(now);
    this.#log = log;
  }

  /** @inheritdoc */
  protected override changed(
    ended: boolean,
    figures?: StreamFigures,
  ): void | Promise<void> {
    const now = this.now();
    if (ended && figures) {
      const seconds = ((now - figures.startedMs) / 1000).toFixed(1);
      const how = figures.outcome === "COMPLETE" ? "complete" : "failed";
      return this.#log(
        "INFO",
        `Stream ${figures.stream} ${how}: ${
          plural(figures.records, "record")
        }, ${plural(figures.requests, "request")}, ${seconds} s.`,
      );
    }
    const current = this.current;
    if (!current) return;
    if (current.requests === 0 && current.records === 0) {
      this.#loggedAt = current.startedMs;
      return;
    }
    if (now - this.#loggedAt < LOG_EVERY_MS) return;
    this.#loggedAt = now;
    const { stream, records, estimate, waits } = current;
    const of = estimate === undefined
      ? ""
      : ` of about ${estimate.toLocaleString("en-US")} (${
        Math.min(99, Math.floor(records * 100 / Math.max(estimate, 1)))
      }%)`;
    const waited = waits > 0 ? `, ${plural(waits, "rate-limit wait")}` : "";
    return this.#log(
      "INFO",
      `Stream ${stream}: ${plural(records, "record")}${of} so far, ${
        plural(current.requests, "request")
      }${waited}, ${Math.round((now - current.startedMs) / 1000)} s.`,
    );
  }
}
