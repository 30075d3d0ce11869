/**
 * Walking a list newest first from page 1 until the caller has what it
 * needs: the contacts incremental read, ordered by `updated_at`, which
 * Aircall cannot filter on.
 *
 * Records join such a list only at its newest end (a contact created or
 * edited now), which pushes the pages not yet read down: a page may repeat
 * records, never skip one. A deletion among the pages already read moves the
 * rest up, so records would slip past the walk unread. The walk keeps the
 * position up to which it has read the list without a gap, and moves it up
 * by what the list's total fell between two answers: records leave only by
 * deletion, and a deletion moves the rest up by at most one place. Then it
 * reads on from there. A page holding a record read before the gap, unchanged,
 * proves that everything before that record was read (records keep their
 * order while unchanged; an edit changes `updated_at`, which tells them
 * apart), so it reads on from that page's end. A shift of `d` places costs
 * about `d / 50 + 1` more pages, whatever its size: each page starts at or
 * before the first unread position (a smaller `per_page` moves the page
 * edges), at least 25 places past it.
 *
 * @module
 */

import type { AircallClient } from "./client.ts";
import {
  type ApiRecord,
  fetchPage,
  isLastPage,
  type ListQuery,
  PER_PAGE,
  RESULT_CAP,
} from "./pages.ts";

/** A list walked newest first. */
export interface WalkedList extends ListQuery {
  /** Field that identifies a record. */
  primaryKey: string;
  /** Field the list is ordered by, which an edit changes (`updated_at`). */
  version: string;
}

/** What a walk yields. */
export type WalkEvent =
  /** Records not yielded before in this walk, or edited since. */
  | { kind: "records"; records: ApiRecord[] }
  /** A page read again after records were deleted (one more request each). */
  | { kind: "reread" }
  /**
   * The walk stopped with more to read: at the cap (`cap`), or because the
   * list kept shifting past its allowance of pages read again (`unsettled`).
   */
  | { kind: "cut"; reason: "cap" | "unsettled" };

/** Pages a walk may read again on top of what its shifts allow. */
export const EXTRA_PAGES_BASE = 5;

/**
 * The most pages a walk reads again, whatever its shifts: as many as one
 * query can list. A list that keeps shifting more than a page per answer
 * cannot be walked; the caller reads it another way.
 */
export const MAX_EXTRA_PAGES = RESULT_CAP / PER_PAGE;

/** The fewest positions past its first unread one a page of {@linkcode pageFrom} reads. */
export const MIN_STEP = PER_PAGE / 2;

/**
 * Pages a shift of `places` allows to be read again: enough to read those
 * places and one page more at {@linkcode MIN_STEP} a page.
 *
 * @example
 * ```ts
 * extraPagesFor(250); // 12
 * ```
 */
export function extraPagesFor(places: number): number {
  return Math.ceil(places / MIN_STEP) + 2;
}

/**
 * The page of up to {@linkcode PER_PAGE} records within the cap that starts
 * at or before `position` (0-based) and reaches farthest past it (the larger
 * page on a tie): at least {@linkcode MIN_STEP} places past it below the cap.
 *
 * @example
 * ```ts
 * pageFrom(100); // { number: 3, perPage: 50 }: positions 100 to 149
 * pageFrom(49); // { number: 2, perPage: 49 }: positions 49 to 97
 * ```
 */
export function pageFrom(
  position: number,
): { number: number; perPage: number } {
  let best = { number: RESULT_CAP / PER_PAGE, perPage: PER_PAGE };
  let bestEnd = -1;
  for (let perPage = PER_PAGE; perPage >= 2; perPage--) {
    const number = Math.floor(position / perPage) + 1;
    const end = number * perPage;
    if (end > RESULT_CAP || end <= bestEnd) continue;
    best = { number, perPage };
    bestEnd = end;
  }
  return best;
}

/**
 * Walks `list` from its newest record until a page read without a gap
 * before it holds one for which `isOlder` is true (everything after it is
 * older still), the list ends, or the cap is reached.
 *
 * @param client The API client.
 * @param list The query, ordered newest first, and its record fields.
 * @param isOlder Whether a record is past what the caller needs.
 */
export async function* walkNewestFirst(
  client: AircallClient,
  list: WalkedList,
  isOlder: (record: ApiRecord) => boolean,
): AsyncGenerator<WalkEvent> {
  const { primaryKey: id, version } = list;
  /** Version of every record yielded, by id. */
  const yielded = new Map<unknown, unknown>();
  /** Version of every record read where no gap was before it, by id. */
  const covered = new Map<unknown, unknown>();
  const isCovered = (item: ApiRecord) =>
    covered.has(item[id]) && covered.get(item[id]) === item[version];
  /** Positions `[0, readTo)` of the list, as it is now, were all read. */
  let readTo = 0;
  /** The farthest position any page reached: a page starting before it is read again. */
  let far = 0;
  let previousTotal: number | undefined;
  let extra = 0;
  let allowed = EXTRA_PAGES_BASE;
  while (true) {
    const { number, perPage } = pageFrom(readTo);
    const start = (number - 1) * perPage;
    if (start < far) {
      if (extra >= Math.min(allowed, MAX_EXTRA_PAGES)) {
        yield { kind: "cut", reason: "unsettled" };
        return;
      }
      extra++;
      yield { kind: "reread" };
    }
    const page = await fetchPage(client, list, number, { perPage });
    const end = start + page.items.length;
    const records = page.items.filter((item) =>
      !yielded.has(item[id]) || yielded.get(item[id]) !== item[version]
    );
    for (const item of records) yielded.set(item[id], item[version]);
    if (records.length > 0) yield { kind: "records", records };

    // What left the list since the last answer moved the rest up at most
    // that many places.
    const fell = previousTotal !== undefined && page.total !== undefined
      ? Math.max(0, previousTotal - page.total)
      : 0;
    if (page.total !== undefined) previousTotal = page.total;
    if (fell > 0) allowed += extraPagesFor(fell);
    far = Math.max(far, end);
    const anchored = page.items.some(isCovered);
    if (!anchored) readTo = Math.max(0, readTo - fell);
    if (anchored || start <= readTo) {
      readTo = anchored ? end : Math.max(readTo, end);
      for (const item of page.items) covered.set(item[id], item[version]);
      if (page.items.some(isOlder)) return;
      if (end >= RESULT_CAP) {
        const more = page.total === undefined
          ? page.hasNext !== false
          : page.total > RESULT_CAP;
        if (more) yield { kind: "cut", reason: "cap" };
        return;
      }
      if (isLastPage(page)) return;
    }
  }
}
