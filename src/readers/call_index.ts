/**
 * The calls list, read once per run for the calls stream and every per-call
 * stream together: a compact index of the calls listed (id, start, end and
 * two flags; about 25 bytes a call) with the seconds it covers, filled by
 * whichever reader lists a range first, and the per-call streams' source of
 * calls, which lists only the seconds not covered yet.
 *
 * @module
 */

import {
  type ApiRecord,
  fetchPage,
  PER_PAGE,
  RESULT_CAP,
} from "../aircall/pages.ts";
import type { StreamDefinition } from "../streams/mod.ts";
import type {
  CallIndex,
  ListedCall,
  ReaderContext,
  ReadEvent,
} from "./types.ts";
import { readWindowed, startSecond, windowsPaging } from "./windows.ts";

/**
 * What the per-call streams need of a listed call, or `undefined` for a
 * record without an id or a start.
 *
 * @param record A call as the list gave it.
 * @returns The compact call.
 */
export function listedCall(record: ApiRecord): ListedCall | undefined {
  const { id, started_at: startedAt, ended_at: endedAt } = record;
  if (typeof id !== "number" || typeof startedAt !== "number") return undefined;
  return {
    id,
    startedAt,
    endedAt: typeof endedAt === "number" ? endedAt : null,
    recorded: record.answered_at != null && record.recording != null,
    voicemail: record.voicemail != null,
  };
}

const _RECORDED = 1;
const _VOICEMAIL = 2;

/**
 * A {@linkcode CallIndex} in typed arrays, grown by doubling.
 *
 * @example
 * ```ts
 * const index = new CompactCallIndex(calls);
 * index.add(records);
 * index.cover(lo, hi);
 * index.calls(lo, hi); // sorted, without repeats
 * ```
 */
export class CompactCallIndex implements CallIndex {
  readonly parent: StreamDefinition;
  #size = 0;
  #ids = new Float64Array(1_024);
  #started = new Float64Array(1_024);
  /** NaN for no end. */
  #ended = new Float64Array(1_024);
  #flags = new Uint8Array(1_024);
  /** Positions by `(started_at, id)`, repeats dropped; rebuilt after adds. */
  #order?: Uint32Array;
  /** Covered ranges `[lo, hi]`, sorted, apart. */
  #covered: [number, number][] = [];

  /** @param parent The calls stream. */
  constructor(parent: StreamDefinition) {
    this.parent = parent;
  }

  add(records: readonly ApiRecord[]): void {
    for (const record of records) {
      const call = listedCall(record);
      if (!call) continue;
      if (this.#size === this.#ids.length) this.#grow();
      const i = this.#size++;
      this.#ids[i] = call.id;
      this.#started[i] = call.startedAt;
      this.#ended[i] = call.endedAt ?? NaN;
      this.#flags[i] = (call.recorded ? _RECORDED : 0) |
        (call.voicemail ? _VOICEMAIL : 0);
    }
    this.#order = undefined;
  }

  cover(lo: number, hi: number): void {
    const ranges = [...this.#covered, [lo, hi] as [number, number]]
      .sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [a, b] of ranges) {
      const last = merged.at(-1);
      if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    this.#covered = merged;
  }

  coveredTo(second: number): number | undefined {
    return this.#covered.find(([a, b]) => a <= second && second <= b)?.[1];
  }

  nextCovered(second: number): number | undefined {
    return this.#covered.find(([a]) => a > second)?.[0];
  }

  calls(lo: number, hi: number): ListedCall[] {
    const order = this.#sorted();
    const started = this.#started;
    // The first position at or after lo, by bisection.
    let low = 0;
    let high = order.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (started[order[mid]] < lo) low = mid + 1;
      else high = mid;
    }
    const calls: ListedCall[] = [];
    for (let k = low; k < order.length; k++) {
      const i = order[k];
      if (started[i] > hi) break;
      const ended = this.#ended[i];
      calls.push({
        id: this.#ids[i],
        startedAt: started[i],
        endedAt: Number.isNaN(ended) ? null : ended,
        recorded: (this.#flags[i] & _RECORDED) !== 0,
        voicemail: (this.#flags[i] & _VOICEMAIL) !== 0,
      });
    }
    return calls;
  }

  #grow(): void {
    const size = this.#ids.length * 2;
    const grown = <T extends Float64Array | Uint8Array>(
      from: T,
      to: T,
    ): T => {
      to.set(from);
      return to;
    };
    this.#ids = grown(this.#ids, new Float64Array(size));
    this.#started = grown(this.#started, new Float64Array(size));
    this.#ended = grown(this.#ended, new Float64Array(size));
    this.#flags = grown(this.#flags, new Uint8Array(size));
  }

  /** Positions in `(started_at, id)` order; a call added twice, once. */
  #sorted(): Uint32Array {
    if (this.#order) return this.#order;
    const ids = this.#ids;
    const started = this.#started;
    const all = new Uint32Array(this.#size).map((_, i) => i)
      .sort((a, b) => started[a] - started[b] || ids[a] - ids[b]);
    let kept = 0;
    for (let k = 0; k < all.length; k++) {
      if (kept > 0 && ids[all[kept - 1]] === ids[all[k]]) {
        // The later listing is the fresher: it replaces the earlier.
        all[kept - 1] = Math.max(all[kept - 1], all[k]);
        continue;
      }
      all[kept++] = all[k];
    }
    this.#order = all.subarray(0, kept);
    return this.#order;
  }
}

/** What a per-call stream reads of the calls list. */
export type CallEvent =
  | { kind: "estimate"; rows: number }
  | { kind: "calls"; calls: ListedCall[] }
  /** A range of seconds is listed: its calls are all there. */
  | { kind: "listed" }
  | Extract<ReadEvent, { kind: "info" | "warning" }>;

/**
 * The most calls a sized window may hold: well under the cap, so a window
 * that grows while it is read still fits.
 */
const LOCATE_MAX = RESULT_CAP / 2;

/** A windowed read's events as the per-call streams see them. */
async function* _calls(
  events: AsyncIterable<ReadEvent>,
  sized = false,
): AsyncGenerator<CallEvent> {
  for await (const event of events) {
    if (event.kind === "records") {
      const listed = event.records.map(listedCall)
        .filter((call) => call !== undefined);
      yield { kind: "calls", calls: listed };
    } else if (event.kind === "checkpoint") {
      yield { kind: "listed" };
    } else if (event.kind === "estimate") {
      // A sized window's total is part of the range's, estimated already.
      if (!sized) yield event;
    } else if (event.kind === "info" || event.kind === "warning") {
      yield event;
    }
  }
}

/** Where the per-call streams' calls come from. */
export interface CallSource {
  /** The first second the calls list covers (start_date, or the API's six months). */
  start: number;
  /**
   * The calls from `lo` (unix seconds) to the sync's now, in ascending
   * ranges; each range's estimate (its total) before its calls.
   *
   * @param lo The first second to list.
   * @param windowSize For a reader that may stop early: how many calls the
   *   next window should hold, asked before each window is listed (default:
   *   the whole range, in windows up to the cap).
   * @param hi The last second to list (default the sync's now).
   */
  list(
    lo: number,
    windowSize?: () => number,
    hi?: number,
  ): AsyncIterable<CallEvent>;
}

/**
 * The calls of a per-call stream: from the run's index where it covers
 * them, listed (and added to it) where it does not.
 *
 * @param calls The calls stream.
 * @param context Client, config, the sync's clock and the run's index.
 * @returns The calls, from any second on.
 */
export function callSource(
  calls: StreamDefinition,
  context: ReaderContext,
): CallSource {
  const paging = windowsPaging(calls);
  const index = context.callIndex?.parent === calls
    ? context.callIndex
    : undefined;
  return {
    start: startSecond(paging, context),
    async *list(lo, windowSize, last = context.now) {
      // The calls stream's windows over `[from, to]`, each a checkpoint.
      const listed = (from: number, to: number, maxWindow?: number) =>
        readWindowed(
          calls,
          paging,
          context,
          from,
          () => ({}),
          undefined,
          maxWindow,
          to,
        );
      let at = lo;
      while (at <= last) {
        const coveredTo = index?.coveredTo(at);
        if (coveredTo !== undefined) {
          const covered = Math.min(coveredTo, last);
          const indexed = index!.calls(at, covered);
          yield { kind: "estimate", rows: indexed.length };
          yield { kind: "calls", calls: indexed };
          yield { kind: "listed" };
          at = covered + 1;
          continue;
        }
        const next = index?.nextCovered(at);
        const hi = next === undefined ? last : Math.min(last, next - 1);
        if (windowSize === undefined) {
          yield* _calls(listed(at, hi));
          at = hi + 1;
          continue;
        }
        // Windows sized by the calls they hold, forward from `at`: one
        // request finds the call that many places on, oldest first, and the
        // window ends just before it. No window is empty or split, whatever
        // the density (the oldest weeks are sparse), and its pages are full.
        let estimated = false;
        while (at <= hi) {
          const size = Math.min(
            LOCATE_MAX,
            Math.max(PER_PAGE, Math.ceil(windowSize() / PER_PAGE) * PER_PAGE),
          );
          const located = await fetchPage(
            context.client,
            {
              path: calls.path,
              key: calls.key,
              query: {
                ...calls.query,
                from: paging.fromExclusive ? at - 1 : at,
                to: hi,
                order: "asc",
              },
            },
            size,
            { perPage: 1 },
          );
          if (!estimated && located.total !== undefined) {
            estimated = true;
            yield { kind: "estimate", rows: located.total };
          }
          const bound = located.items[0]?.[paging.field];
          const end = typeof bound !== "number" || bound > hi
            ? hi
            : Math.max(at, bound - 1);
          if (located.total === 0) {
            index?.cover(at, hi);
            at = hi + 1;
            yield { kind: "listed" };
            break;
          }
          yield* _calls(listed(at, end, size), true);
          at = end + 1;
        }
      }
    },
  };
}
