/**
 * Reading a list past the 10,000-result cap: `from`/`to` time windows on one
 * field, sized from `meta.total` and split until each one fits, each read so
 * that nothing alive for the whole read is lost while the account changes.
 *
 * Windows are inclusive ranges of unix seconds `[lo, hi]`; each endpoint's
 * boundary semantics are applied only when building the query, so adjacent
 * windows never lose or double a record at their edge.
 *
 * A window is read newest first: records enter a list at its newest end (a
 * call starts, a contact is created), which pushes the pages not yet read
 * down (a record may come twice, none is skipped), and leave by its oldest
 * (calls age out of the API's six months), which moves nothing not yet read.
 * A deletion elsewhere moves every later record up one place, and the one
 * that crosses a page boundary in between would be skipped. Every page
 * carries the window's total, so such a seam shows as two consecutive pages
 * whose totals differ. Whatever slipped through a seam lies between the
 * previous page's last record and the next page's first in the list's order,
 * which is the window field's order: the seconds between them are read again
 * as a window of their own. Their time fields never change, so that re-read
 * finds them whenever it runs.
 *
 * @module
 */

import { ConnectorError } from "../errors.ts";
import type { AircallClient, Query } from "./client.ts";
import {
  type ApiRecord,
  fetchPage,
  isCutByCap,
  type ListQuery,
  type Page,
  pages,
  RESULT_CAP,
} from "./pages.ts";

/** How an endpoint filters on time. */
export interface WindowedList {
  /** The list's path, e.g. `/v1/calls`. */
  path: string;
  /** The list's key in the response envelope. */
  key: string;
  /** Field that identifies a record (to skip what a window already gave). */
  primaryKey: string;
  /** Record field `from`/`to` filter on, unix seconds: the list's order. */
  field: string;
  /** Whether `from` is exclusive (calls) or inclusive (contacts). */
  fromExclusive: boolean;
  /** Extra query parameters of every request, e.g. an order. */
  query?: Query;
}

/** Options of {@linkcode readWindows}. */
export interface WindowOptions {
  /** Ids not to yield again (already read by the caller). */
  skip?: Set<unknown>;
  /**
   * Windows ending at or after this second may still gain records while they
   * are read: their pages are requested one after the other, so Aircall
   * answers them in order and a record joining the list's newest end can
   * only push the pages not yet read further down, never up.
   */
  liveFrom?: number;
  /**
   * The most records one window may hold (default the cap, 10,000): a
   * reader that may stop early lists in smaller windows, so it lists little
   * past where it stops.
   */
  maxWindow?: number;
}

/** What a windowed read yields, in order. */
export type WindowEvent =
  | { kind: "total"; total: number }
  | { kind: "records"; records: ApiRecord[] }
  | { kind: "window"; lo: number; hi: number }
  | { kind: "reread"; lo: number; hi: number; spans: number }
  | { kind: "overflow"; second: number; total: number; unread: number };

/**
 * Aim for windows this full, so a window that grows while it is read still
 * fits under the cap.
 */
const WINDOW_TARGET = 8_000;

/**
 * How many times one range is read whole before giving up: a range whose
 * seams cannot be narrowed (one busy second) is read again until a read of
 * it sees no change.
 */
export const MAX_PASSES = 5;

/**
 * Splits `[lo, hi]` into `parts` adjacent ranges of (nearly) equal width.
 *
 * @example
 * ```ts
 * splitRange(0, 9, 2); // [[0, 4], [5, 9]]
 * ```
 */
export function splitRange(
  lo: number,
  hi: number,
  parts: number,
): [number, number][] {
  const width = hi - lo + 1;
  const count = Math.max(1, Math.min(parts, width));
  const ranges: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const start = lo + Math.floor((i * width) / count);
    const end = lo + Math.floor(((i + 1) * width) / count) - 1;
    ranges.push([start, end]);
  }
  return ranges;
}

function _listFor(
  list: WindowedList,
  lo: number,
  hi: number,
  order: "asc" | "desc",
): ListQuery {
  return {
    path: list.path,
    key: list.key,
    query: {
      ...list.query,
      from: list.fromExclusive ? lo - 1 : lo,
      to: hi,
      order,
    },
  };
}

/**
 * The seconds a record that slipped between two consecutive pages of a
 * newest-first read can hold: from the later page's first record (or the
 * window's start, past the end of the list) to the earlier page's last.
 */
function _seam(
  field: string,
  earlier: Page,
  later: Page,
  lo: number,
  hi: number,
): [number, number] {
  const after = earlier.items.at(-1)?.[field];
  const before = later.items[0]?.[field];
  const top = typeof after === "number" ? after : hi;
  const bottom = typeof before === "number" ? before : lo;
  return [
    Math.max(lo, Math.min(top, bottom)),
    Math.min(hi, Math.max(top, bottom)),
  ];
}

/** Sorted, with ranges that share a second joined. */
function _merge(ranges: [number, number][]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const last = merged.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

function _unsettled(list: WindowedList, lo: number, hi: number): never {
  throw new ConnectorError(
    "transient_error",
    `Aircall's ${list.path} list kept changing while ${list.field} ${lo}..${hi} was read (${MAX_PASSES} reads); stopping after the last good STATE so the next attempt resumes from it.`,
  );
}

/**
 * Reads every record whose time field lies in `[lo, hi]`, window by window in
 * ascending time. Yields the whole range's total first, then records, and a
 * `window` event after each finished window (a safe checkpoint).
 *
 * @param client The API client.
 * @param list The endpoint and its boundary semantics.
 * @param lo First second to read (inclusive).
 * @param hi Last second to read (inclusive).
 * @param options Ids to skip; from when windows are live.
 */
export async function* readWindows(
  client: AircallClient,
  list: WindowedList,
  lo: number,
  hi: number,
  options: WindowOptions = {},
): AsyncGenerator<WindowEvent> {
  if (lo > hi) return;
  const id = list.primaryKey;
  const liveFrom = options.liveFrom ?? Infinity;
  /** Crowded seconds already reported: a second read again is not. */
  const overflowing = new Set<number>();
  const maxWindow = Math.min(options.maxWindow ?? RESULT_CAP, RESULT_CAP);
  const target = Math.min(WINDOW_TARGET, maxWindow);
  let first = true;

  const skip = options.skip ?? new Set<unknown>();

  /**
   * Yields the records of `items` neither the caller nor this window gave
   * yet, and remembers them in `yielded`.
   */
  function* fresh(
    items: ApiRecord[],
    yielded: Set<unknown>,
  ): Generator<WindowEvent> {
    const records = items.filter((item) =>
      !skip.has(item[id]) && !yielded.has(item[id])
    );
    for (const item of records) yielded.add(item[id]);
    if (records.length > 0) yield { kind: "records", records };
  }

  /**
   * Reads `[lo, hi]` until it is settled. `yielded` holds the ids this
   * window gave: its own, or those of the window whose seam it reads again,
   * or of a wider window that grew past the cap while read (its pages follow
   * time, but which part it covered is unknown). Windows that only split a
   * range by size share none, so the set never outgrows a window.
   * `checkpoint` is false for the re-read of a seam, which finishes nothing
   * on its own. `pass` counts reads of this range.
   */
  async function* walk(
    lo: number,
    hi: number,
    yielded: Set<unknown>,
    checkpoint: boolean,
    pass = 1,
  ): AsyncGenerator<WindowEvent> {
    const query = _listFor(list, lo, hi, "desc");
    // Page 1 doubles as the probe: when the window fits, nothing is wasted.
    const probe = await fetchPage(client, query, 1);
    if (probe.total === undefined) {
      throw new ConnectorError(
        "system_error",
        `Aircall's answer to ${list.path} has no meta.total, which sizing time windows needs; the API may have changed.`,
      );
    }
    if (first) {
      first = false;
      yield { kind: "total", total: probe.total };
    }
    if (probe.total > maxWindow && hi > lo) {
      const parts = Math.ceil(probe.total / target);
      for (const [a, b] of splitRange(lo, hi, parts)) {
        // Nothing of this range was given yet, unless it is read again.
        yield* walk(a, b, checkpoint ? new Set() : yielded, checkpoint);
      }
      return;
    }
    const seams: [number, number][] = [];
    /** This window's own records, for the count of a crowded second. */
    const here = new Set<unknown>();
    let previous: Page | undefined;
    let cut = false;
    const ahead = hi >= liveFrom ? 1 : 2;
    for await (const page of pages(client, query, { first: probe, ahead })) {
      yield* fresh(page.items, yielded);
      for (const item of page.items) here.add(item[id]);
      if (previous && page.total !== previous.total) {
        seams.push(_seam(list.field, previous, page, lo, hi));
      }
      previous = page;
      cut = isCutByCap(page);
    }
    if (cut && hi > lo) {
      // The window grew past the cap while it was read: read its halves,
      // skipping what it already gave.
      for (const [a, b] of splitRange(lo, hi, 2)) {
        yield* walk(a, b, yielded, checkpoint);
      }
      return;
    }
    if (cut) {
      // One second holds more than one query can list: the oldest of it
      // come first the other way round.
      yield* crowdedSecond(lo, yielded, here, seams);
    }
    const spans = _merge(seams);
    if (spans.length > 0) {
      yield { kind: "reread", lo, hi, spans: spans.length };
    }
    for (const [a, b] of spans) {
      if (a > lo || b < hi) {
        yield* walk(a, b, yielded, false);
      } else if (pass < MAX_PASSES) {
        // No narrower range holds the seam: read the whole range again.
        yield* walk(lo, hi, yielded, false, pass + 1);
      } else {
        _unsettled(list, lo, hi);
      }
    }
    if (checkpoint) yield { kind: "window", lo, hi };
  }

  /**
   * The oldest records of a second that holds more than the cap, read oldest
   * first; up to twice the cap in all. A change while it is read is a seam
   * of the whole second.
   */
  async function* crowdedSecond(
    second: number,
    yielded: Set<unknown>,
    here: Set<unknown>,
    seams: [number, number][],
  ): AsyncGenerator<WindowEvent> {
    const query = _listFor(list, second, second, "asc");
    let previous: Page | undefined;
    for await (const page of pages(client, query)) {
      yield* fresh(page.items, yielded);
      for (const item of page.items) here.add(item[id]);
      if (previous && page.total !== previous.total) {
        seams.push([second, second]);
      }
      previous = page;
    }
    const total = previous?.total ?? here.size;
    if (total > here.size && !overflowing.has(second)) {
      overflowing.add(second);
      yield { kind: "overflow", second, total, unread: total - here.size };
    }
  }

  yield* walk(lo, hi, new Set(), true);
}
