/**
 * Walking a list newest first from page 1, one page after the other, until
 * the caller has what it needs: the contacts incremental read, ordered by
 * `updated_at`, which Aircall cannot filter on.
 *
 * Records join such a list only at its newest end (a contact created or
 * edited now), which pushes the pages not yet read down: a page may repeat
 * records, never skip one. A deletion among the pages already read moves the
 * rest up, so the record crossing the page boundary would be skipped. It
 * shows as a next page whose total is lower than the previous page's. That
 * seam is read again with one page placed across it (a smaller `per_page`
 * moves the page boundaries): the seam is closed once that one answer holds,
 * unchanged, a record of the page before the seam and one of the page after
 * it, since everything between two records of one answer is in it (and if
 * the later one comes first, the two pages overlapped). Records keep their
 * order while unchanged; an edit changes `updated_at`, which tells them apart.
 *
 * @module
 */

import { ConnectorError } from "../errors.ts";
import type { AircallClient } from "./client.ts";
import {
  type ApiRecord,
  fetchPage,
  isCutByCap,
  isLastPage,
  type ListQuery,
  type Page,
  pages,
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
  /** A seam was read again (one more request each). */
  | { kind: "reread" }
  /** The walk reached the cap with more to read. */
  | { kind: "cut" };

/** Attempts at placing a page across one seam, past those its search needs. */
export const MAX_SEAM_ATTEMPTS = 5;

/**
 * A page with `position` (0-based) well inside it: of the pages of up to
 * {@linkcode PER_PAGE} records within the cap, the one whose nearer edge is
 * farthest from `position` (the larger page on a tie).
 *
 * @example
 * ```ts
 * pageAcross(50); // { number: 2, perPage: 34 }: positions 34 to 67
 * ```
 */
export function pageAcross(
  position: number,
): { number: number; perPage: number } {
  let best = { number: 1, perPage: PER_PAGE };
  let bestMargin = -1;
  for (let perPage = PER_PAGE; perPage >= 2; perPage--) {
    const number = Math.floor(position / perPage) + 1;
    if (number * perPage > RESULT_CAP) continue;
    const before = position - (number - 1) * perPage;
    const after = number * perPage - position;
    if (Math.min(before, after) > bestMargin) {
      best = { number, perPage };
      bestMargin = Math.min(before, after);
    }
  }
  return best;
}

/**
 * Walks `list` from its newest record until a page holds one for which
 * `isOlder` is true (everything after it is older still), the list ends, or
 * the cap is reached.
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
  function* fresh(items: ApiRecord[]): Generator<WalkEvent> {
    const records = items.filter((item) =>
      !yielded.has(item[id]) || yielded.get(item[id]) !== item[version]
    );
    for (const item of records) yielded.set(item[id], item[version]);
    if (records.length > 0) yield { kind: "records", records };
  }

  /**
   * Reads the seam between `earlier` and `later` again until closed: a page
   * across where `later` began, then, while a side is missing, a page across
   * the edge of the last one where that side must be.
   */
  async function* closeSeam(
    earlier: Page,
    later: Page,
  ): AsyncGenerator<WalkEvent> {
    const anchors = (page: Page) =>
      new Map(page.items.map((item) => [item[id], item[version]]));
    const left = anchors(earlier);
    const right = anchors(later);
    const isAnchor = (side: Map<unknown, unknown>) => (item: ApiRecord) =>
      side.has(item[id]) && side.get(item[id]) === item[version];
    // Pages that share an unchanged record overlap: nothing between them.
    if (later.items.some(isAnchor(left))) return;
    // Each deletion since (the totals' difference) may move the seam up a
    // place, and each look finds it at least half a page further.
    const moved = Math.max(0, (earlier.total ?? 0) - (later.total ?? 0));
    const attempts = MAX_SEAM_ATTEMPTS + Math.ceil(moved / (PER_PAGE / 2));
    const origin = (later.number - 1) * later.perPage;
    let seam = origin;
    let ties = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const { number, perPage } = pageAcross(seam);
      const page = await fetchPage(client, list, number, { perPage });
      yield { kind: "reread" };
      yield* fresh(page.items);
      const l = page.items.findLastIndex(isAnchor(left));
      const r = page.items.findIndex(isAnchor(right));
      // One answer holds both sides: everything between them (or they
      // overlap and nothing is between them).
      if (l >= 0 && (r >= 0 || isLastPage(page))) return;
      const start = (number - 1) * perPage;
      const end = start + page.items.length;
      if (l >= 0) {
        seam = end; // Only the side before the seam: it lies further down.
      } else if (r >= 0 || page.items.length === 0) {
        seam = start; // Only the side after it, or the list's end: further up.
      } else {
        // Neither side: further up if these records are older than the
        // later page's first, down if newer. Of its very second, their
        // order is Aircall's own: look on either side of where the later
        // page began, further each time.
        const here = page.items[0][version] as number;
        const there = later.items[0]?.[version] as number | undefined;
        if (there === undefined || here === there) {
          ties++;
          const side = ties % 2 === 1 ? -1 : 1;
          seam = Math.max(0, origin + side * Math.ceil(ties / 2) * perPage);
        } else {
          seam = here < there ? start : end;
        }
      }
    }
    throw new ConnectorError(
      "transient_error",
      `Aircall's ${list.path} list kept changing while it was read (${attempts} attempts at one page boundary); stopping after the last good STATE so the next attempt resumes from it.`,
    );
  }

  let previous: Page | undefined;
  for await (const page of pages(client, list, { ahead: 0 })) {
    yield* fresh(page.items);
    if (previous && (page.total ?? 0) < (previous.total ?? 0)) {
      yield* closeSeam(previous, page);
    }
    if (page.items.some(isOlder)) return;
    if (isCutByCap(page)) {
      yield { kind: "cut" };
      return;
    }
    previous = page;
  }
}
