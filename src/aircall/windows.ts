/**
 * Reading a list past the 10,000-result cap: `from`/`to` time windows on one
 * field, sized from `meta.total` and split until each one fits.
 *
 * Windows are inclusive ranges of unix seconds `[lo, hi]`; each endpoint's
 * boundary semantics are applied only when building the query, so adjacent
 * windows never lose or double a record at their edge.
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
  pages,
  RESULT_CAP,
} from "./pages.ts";

/** How an endpoint filters on time. */
export interface WindowedList {
  path: string;
  key: string;
  /** Field that identifies a record (to skip what a window already gave). */
  primaryKey: string;
  /** Whether `from` is exclusive (calls) or inclusive (contacts). */
  fromExclusive: boolean;
  /** Extra query parameters of every request, e.g. an order. */
  query?: Query;
}

/** What a windowed read yields, in order. */
export type WindowEvent =
  | { kind: "total"; total: number }
  | { kind: "records"; records: ApiRecord[] }
  | { kind: "window"; lo: number; hi: number }
  | { kind: "overflow"; second: number; total: number };

/**
 * Aim for windows this full, so a window that grows while it is read still
 * fits under the cap.
 */
const WINDOW_TARGET = 8_000;

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

function _listFor(list: WindowedList, lo: number, hi: number): ListQuery {
  return {
    path: list.path,
    key: list.key,
    query: {
      ...list.query,
      from: list.fromExclusive ? lo - 1 : lo,
      to: hi,
    },
  };
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
 * @param skip Ids not to yield again (already read by the caller).
 */
export async function* readWindows(
  client: AircallClient,
  list: WindowedList,
  lo: number,
  hi: number,
  skip?: Set<unknown>,
): AsyncGenerator<WindowEvent> {
  if (lo > hi) return;
  let first = true;
  /**
   * Reads one window. `seen` holds ids not to yield again (the caller's, or
   * a wider window's that grew past the cap while being read: its pages
   * follow creation, not time, so which part it covered is unknown).
   * `reread` is false on the one re-read of a window that shrank.
   */
  async function* walk(
    lo: number,
    hi: number,
    seen?: Set<unknown>,
    reread = true,
  ): AsyncGenerator<WindowEvent> {
    const query = _listFor(list, lo, hi);
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
    if (probe.total > RESULT_CAP && hi > lo) {
      const parts = Math.ceil(probe.total / WINDOW_TARGET);
      for (const [a, b] of splitRange(lo, hi, parts)) yield* walk(a, b, seen);
      return;
    }
    if (probe.total > RESULT_CAP) {
      yield { kind: "overflow", second: lo, total: probe.total };
    }
    const yielded = seen ?? new Set<unknown>();
    let cut = false;
    let shrank = false;
    for await (const page of pages(client, query, { first: probe })) {
      const records = page.items.filter((item) =>
        !yielded.has(item[list.primaryKey])
      );
      for (const item of records) yielded.add(item[list.primaryKey]);
      if (records.length > 0) yield { kind: "records", records };
      cut = isCutByCap(page) && hi > lo;
      shrank ||= page.total !== undefined && page.total < probe.total;
    }
    if (cut) {
      // The window grew past the cap while it was read: read its halves,
      // skipping what it already gave.
      for (const [a, b] of splitRange(lo, hi, 2)) yield* walk(a, b, yielded);
      return;
    }
    if (shrank && reread) {
      // Records were deleted while the window was read: the pages after
      // them shifted, so one may have slipped between two pages. Read the
      // window once more, skipping what it already gave.
      yield* walk(lo, hi, yielded, false);
      return;
    }
    yield { kind: "window", lo, hi };
  }
  yield* walk(lo, hi, skip);
}
