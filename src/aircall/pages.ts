/**
 * Paging one query of a list endpoint: `per_page=50` from page 1 until
 * `meta` says the list ended (or, where it says nothing, a short page), or
 * the API's positional 10,000-result cap.
 *
 * @module
 */

import { ConnectorError } from "../errors.ts";
import { readNumber } from "../numeric.ts";
import type { AircallClient, Query } from "./client.ts";

/** The most records Aircall serves per page. */
export const PER_PAGE = 50;
/** Any request with `page * per_page` above this answers 400. */
export const RESULT_CAP = 10_000;
/** The last page a query may ask for at {@linkcode PER_PAGE}. */
export const LAST_PAGE = RESULT_CAP / PER_PAGE;

/** An API record, passed through as returned. */
export type ApiRecord = Record<string, unknown>;

/** One page of a list. */
export interface Page {
  /** 1-based page number. */
  number: number;
  /** Records per page asked for: {@linkcode PER_PAGE} but for a seam check. */
  perPage: number;
  /** The page's records, as Aircall listed them. */
  items: ApiRecord[];
  /** `meta.total`: records matching the query, all pages together (if reported). */
  total?: number;
  /**
   * Whether `meta.next_page_link` names a next page; `undefined` when the
   * response has no such key (webhooks' meta has no links at all); `false`
   * when it has no `meta` at all: an unpaged answer is the whole list.
   */
  hasNext?: boolean;
}

/** A list query: endpoint, envelope key and filters (without paging). */
export interface ListQuery {
  /** The list's path, e.g. `/v1/contacts`. */
  path: string;
  /** The list's key in the response envelope, e.g. `contacts`. */
  key: string;
  /** Filters and order; `page` and `per_page` are added per request. */
  query: Query;
}

/** Options of {@linkcode fetchPage}. */
export interface FetchPageOptions {
  /** Records per page (default {@linkcode PER_PAGE}). */
  perPage?: number;
  /** Gives the request up (see {@linkcode AircallClient.get}). */
  signal?: AbortSignal;
}

/**
 * Fetches one page of a list query.
 *
 * @param client The API client.
 * @param list The query.
 * @param number The 1-based page number; never past the 10,000-result cap.
 * @param options Page size and an abort signal.
 * @returns The page's records and what its `meta` says of the list.
 */
export async function fetchPage(
  client: AircallClient,
  list: ListQuery,
  number: number,
  options: FetchPageOptions = {},
): Promise<Page> {
  const perPage = options.perPage ?? PER_PAGE;
  if (number * perPage > RESULT_CAP) {
    throw new RangeError(`Page ${number} is past the API's 10,000-result cap`);
  }
  const body = await client.get(list.path, {
    ...list.query,
    per_page: perPage,
    page: number,
  }, options.signal) as Record<string, unknown> | null;
  const items = body?.[list.key];
  if (!Array.isArray(items)) {
    throw new ConnectorError(
      "system_error",
      `Aircall's answer to ${list.path} has no "${list.key}" list; the API may have changed.`,
    );
  }
  const meta = body?.meta as Record<string, unknown> | undefined;
  const total = readNumber(meta?.total);
  const page: Page = {
    number,
    perPage,
    items,
    total: Number.isSafeInteger(total) ? total : undefined,
  };
  if (meta === undefined || meta === null) {
    // Not a paged list (a Power Dialer queue may not be): asking for page 2
    // would be answered the same list again.
    page.hasNext = false;
  } else if ("next_page_link" in meta) {
    page.hasNext = typeof meta.next_page_link === "string" &&
      meta.next_page_link !== "";
  }
  return page;
}

/**
 * Whether `page` is the last one to read of its query. `meta` decides where
 * the response has it: `next_page_link` (null on the last page), else
 * `total` (webhooks' meta has no links). A short page ends the list only when
 * `meta` says nothing: Aircall may serve fewer than asked mid-list. An
 * answer without `meta` is the whole list. An empty page, or the cap, ends
 * it whatever `meta` says.
 */
export function isLastPage(page: Page): boolean {
  if (page.items.length === 0 || page.number * page.perPage >= RESULT_CAP) {
    return true;
  }
  if (page.hasNext !== undefined) return !page.hasNext;
  if (page.total !== undefined) return page.number * page.perPage >= page.total;
  return page.items.length < page.perPage;
}

/**
 * Whether a query holds more than the cap lets one read: its last legal
 * page came back full and the total says there is more (or, without a
 * total, the next page's link).
 */
export function isCutByCap(page: Page): boolean {
  if (page.number < LAST_PAGE || page.items.length < PER_PAGE) return false;
  return page.total === undefined
    ? page.hasNext !== false
    : page.total > RESULT_CAP;
}

/** Options of {@linkcode pages}. */
export interface PagesOptions {
  /** Page 1 when the caller already has it (a window's probe). */
  first?: Page;
  /**
   * Pages requested ahead of the one the caller is handling (default 2),
   * never past the last page the latest total allows. Two keep a request on
   * the wire while a page is handled: `fetch` sends only when the event loop
   * turns, so a request started just before a page is handled waits for it.
   * 0 for walks the caller may stop early, where a page read ahead would
   * waste a request of the rate limit.
   *
   * @default 2
   */
  ahead?: number;
  /** Gives up every request of the query once it aborts (a fan-out stopped). */
  signal?: AbortSignal;
}

/** The last page of `page`'s query, as far as `page` tells. */
function _lastPageNumber(page: Page): number {
  if (isLastPage(page)) return page.number;
  // Not the last: a next page at least, whatever the total says.
  const byTotal = Math.ceil((page.total ?? 0) / PER_PAGE);
  return Math.min(Math.max(byTotal, page.number + 1), LAST_PAGE);
}

/**
 * Yields every page of a query, in order, until {@linkcode isLastPage}.
 *
 * @param client The API client.
 * @param list The query.
 * @param options Page 1 if already fetched; how many pages to read ahead.
 */
export async function* pages(
  client: AircallClient,
  list: ListQuery,
  options: PagesOptions = {},
): AsyncGenerator<Page> {
  const ahead = options.ahead ?? 2;
  const { signal } = options;
  let page = options.first ?? await fetchPage(client, list, 1, { signal });
  // The pages requested after `page`, in order; given up on (no retries,
  // no rate-limit waits) once the caller stops or the last page is read.
  const requested: Promise<Page>[] = [];
  const unwanted = new AbortController();
  const giveUp = () => unwanted.abort();
  signal?.addEventListener("abort", giveUp);
  let next = page.number + 1;
  const requestUpTo = (number: number) => {
    for (; next <= number; next++) {
      const request = fetchPage(client, list, next, {
        signal: unwanted.signal,
      });
      // Handled when awaited; this stops an early return from leaving it unhandled.
      request.catch(() => {});
      requested.push(request);
    }
  };
  try {
    while (true) {
      const last = _lastPageNumber(page);
      requestUpTo(Math.min(last, page.number + ahead));
      yield page;
      if (page.number === last) return;
      requestUpTo(page.number + 1);
      page = await requested.shift()!;
    }
  } finally {
    signal?.removeEventListener("abort", giveUp);
    unwanted.abort();
  }
}
