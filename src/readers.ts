/**
 * How each stream is read, per sync mode, as a sequence of events for the
 * engine: records, estimates, checkpoints and warnings. The strategies are
 * chosen by a stream definition's `paging` and `incremental` data.
 *
 * @module
 */

import type { AircallClient } from "./aircall/client.ts";
import {
  type ApiRecord,
  fetchPage,
  LAST_PAGE,
  type ListQuery,
  pages,
  PER_PAGE,
  RESULT_CAP,
} from "./aircall/pages.ts";
import { readWindows } from "./aircall/windows.ts";
import { ConnectorError } from "./errors.ts";
import { savedCursor, type SyncMode } from "./inputs.ts";
import type { StateBlob } from "./protocol.ts";
import type { Config } from "./spec.ts";
import type { StreamDefinition } from "./streams/mod.ts";

/** What a stream reader yields. */
export type ReadEvent =
  | { kind: "estimate"; rows: number }
  | { kind: "records"; records: ApiRecord[] }
  | { kind: "checkpoint"; state: StateBlob }
  | { kind: "warning"; message: string };

/** What every reader of one run shares. */
export interface ReaderContext {
  client: AircallClient;
  config: Config;
  /** The sync's "now", unix seconds: no window reads past it. */
  now: number;
}

type WindowsPaging = Extract<StreamDefinition["paging"], { kind: "windows" }>;

/**
 * The events of one stream's read.
 *
 * @param definition The stream.
 * @param mode The configured sync mode.
 * @param context Client, config and the sync's clock.
 * @param state The stream's saved state (ignored in full refresh).
 * @returns Events ending with a checkpoint.
 */
export function readStream(
  definition: StreamDefinition,
  mode: SyncMode,
  context: ReaderContext,
  state: StateBlob | null | undefined,
): AsyncGenerator<ReadEvent> {
  const incremental = definition.incremental;
  if (mode === "full_refresh" || !incremental) {
    return _fullRefresh(definition, context);
  }
  const strategy = incremental.kind === "lookback"
    ? _lookbackIncremental
    : _updatedDescIncremental;
  return strategy(
    definition,
    _windowsPaging(definition),
    incremental.cursor,
    context,
    state ?? {},
  );
}

function _windowsPaging(definition: StreamDefinition): WindowsPaging {
  if (definition.paging.kind !== "windows") {
    throw new Error(`${definition.name}: incremental needs windowed paging`);
  }
  return definition.paging;
}

/** The first second a full read of a windowed stream covers. */
function _startSecond(paging: WindowsPaging, context: ReaderContext): number {
  const start = Math.floor(Date.parse(context.config.start_date) / 1000);
  return paging.historySeconds === undefined
    ? start
    : Math.max(start, context.now - paging.historySeconds);
}

async function* _fullRefresh(
  definition: StreamDefinition,
  context: ReaderContext,
): AsyncGenerator<ReadEvent> {
  const paging = definition.paging;
  if (paging.kind === "object") {
    const body = await context.client.get(definition.path) as
      | Record<string, unknown>
      | null;
    const item = body?.[definition.key];
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new ConnectorError(
        "system_error",
        `Aircall's answer to ${definition.path} has no "${definition.key}" object; the API may have changed.`,
      );
    }
    yield { kind: "estimate", rows: 1 };
    yield { kind: "records", records: [item as ApiRecord] };
  } else if (paging.kind === "pages") {
    yield* _allPages(definition, context);
  } else {
    yield* _windowed(
      definition,
      paging,
      context,
      _startSecond(paging, context),
      () => undefined,
    );
  }
  yield { kind: "checkpoint", state: {} };
}

async function* _allPages(
  definition: StreamDefinition,
  context: ReaderContext,
): AsyncGenerator<ReadEvent> {
  const list = { path: definition.path, key: definition.key, query: {} };
  for await (const page of pages(context.client, list)) {
    if (page.number === 1) {
      yield { kind: "estimate", rows: page.total };
      if (page.total > RESULT_CAP) {
        yield {
          kind: "warning",
          message:
            `Aircall reports ${page.total} ${definition.name} but serves only the first ${RESULT_CAP} of a list; the rest cannot be read.`,
        };
      }
    }
    if (page.items.length > 0) yield { kind: "records", records: page.items };
  }
}

/**
 * Reads `[lo, now]` in windows; `onWindow` turns a finished window into a
 * checkpoint (or nothing, in full refresh).
 */
async function* _windowed(
  definition: StreamDefinition,
  paging: WindowsPaging,
  context: ReaderContext,
  lo: number,
  onWindow: (hi: number) => StateBlob | undefined,
  query?: Record<string, string>,
): AsyncGenerator<ReadEvent> {
  const list = {
    path: definition.path,
    key: definition.key,
    fromExclusive: paging.fromExclusive,
    query,
  };
  for await (
    const event of readWindows(context.client, list, lo, context.now)
  ) {
    if (event.kind === "total") {
      yield { kind: "estimate", rows: event.total };
    } else if (event.kind === "records") {
      yield event;
    } else if (event.kind === "overflow") {
      yield {
        kind: "warning",
        message:
          `${event.total} ${definition.name} share ${paging.field} ${event.second}; Aircall serves at most ${RESULT_CAP} per query, so ${
            event.total - RESULT_CAP
          } of them cannot be read.`,
      };
    } else {
      const state = onWindow(event.hi);
      if (state) yield { kind: "checkpoint", state };
    }
  }
}

/** A future cursor is taken as "now", with a warning. */
function* _warnIfFuture(
  definition: StreamDefinition,
  field: string,
  cursor: number | undefined,
  now: number,
): Generator<ReadEvent> {
  if (cursor !== undefined && cursor > now) {
    yield {
      kind: "warning",
      message:
        `Saved ${definition.name} cursor ${field} = ${cursor} is in the future; reading nothing new and saving the cursor as now (${now}).`,
    };
  }
}

async function* _lookbackIncremental(
  definition: StreamDefinition,
  paging: WindowsPaging,
  field: string,
  context: ReaderContext,
  state: StateBlob,
): AsyncGenerator<ReadEvent> {
  const cursor = savedCursor(definition.name, state, field);
  yield* _warnIfFuture(definition, field, cursor, context.now);
  const start = _startSecond(paging, context);
  const lookback = context.config.calls_lookback_hours * 3600;
  // The cursor's second was read in full: re-read the lookback before it.
  const lo = cursor === undefined
    ? start
    : Math.max(start, cursor + 1 - lookback);
  const checkpoint = (hi: number) => ({
    [field]: Math.min(Math.max(cursor ?? 0, hi), context.now),
  });
  yield* _windowed(definition, paging, context, lo, checkpoint);
  yield { kind: "checkpoint", state: { [field]: context.now } };
}

async function* _updatedDescIncremental(
  definition: StreamDefinition,
  paging: WindowsPaging,
  field: string,
  context: ReaderContext,
  state: StateBlob,
): AsyncGenerator<ReadEvent> {
  const cursor = savedCursor(definition.name, state, field);
  const backfilledTo = savedCursor(definition.name, state, paging.field);
  const start = _startSecond(paging, context);
  // Backfill state: windows on paging.field are read up to `backfilledTo`;
  // updates since `cursor` (taken when the backfill began) come next sync.
  const backfill = (bound: number, lo: number, skip?: Set<unknown>) =>
    _backfill(definition, paging, context, field, bound, lo, skip);

  if (cursor === undefined) {
    const top = await _topUpdatedAt(definition, field, context);
    yield* backfill(Math.min(top ?? context.now, context.now), start);
    return;
  }
  if (backfilledTo !== undefined) {
    yield* backfill(cursor, Math.max(start, backfilledTo + 1));
    return;
  }
  yield* _warnIfFuture(definition, field, cursor, context.now);
  const walked = new Set<unknown>();
  let top: number | undefined;
  for (let number = 1;; number++) {
    const page = await fetchPage(
      context.client,
      _newestFirst(definition, field),
      number,
    );
    top ??= page.items[0]?.[field] as number | undefined;
    const changed = page.items.filter((item) =>
      (item[field] as number) >= cursor
    );
    const records = changed.filter((item) =>
      (item[paging.field] as number) >= start
    );
    for (const item of records) walked.add(item[definition.primaryKey]);
    if (records.length > 0) yield { kind: "records", records };
    const reachedOlder = changed.length < page.items.length;
    if (
      reachedOlder || page.items.length < PER_PAGE ||
      number * PER_PAGE >= page.total
    ) {
      const latest = Math.max(cursor, top ?? cursor);
      yield {
        kind: "checkpoint",
        state: { [field]: Math.min(latest, context.now) },
      };
      return;
    }
    if (number === LAST_PAGE) break;
  }
  // Past the cap: more changed than one query can list. Read everything.
  yield {
    kind: "warning",
    message:
      `More than ${RESULT_CAP} ${definition.name} changed since ${field} = ${cursor}; reading all of them by ${paging.field} windows instead.`,
  };
  yield* backfill(Math.min(top ?? context.now, context.now), start, walked);
}

async function* _backfill(
  definition: StreamDefinition,
  paging: WindowsPaging,
  context: ReaderContext,
  field: string,
  bound: number,
  lo: number,
  skip?: Set<unknown>,
): AsyncGenerator<ReadEvent> {
  const checkpoint = (hi: number) => ({ [field]: bound, [paging.field]: hi });
  for await (
    const event of _windowed(definition, paging, context, lo, checkpoint)
  ) {
    if (event.kind === "records" && skip) {
      const records = event.records.filter((item) =>
        !skip.has(item[definition.primaryKey])
      );
      if (records.length > 0) yield { kind: "records", records };
    } else {
      yield event;
    }
  }
  yield { kind: "checkpoint", state: { [field]: bound } };
}

/** The list, most recently changed first. */
function _newestFirst(definition: StreamDefinition, field: string): ListQuery {
  return {
    path: definition.path,
    key: definition.key,
    query: { order_by: field, order: "desc" },
  };
}

/** The most recent value of `field` across the list (one request). */
async function _topUpdatedAt(
  definition: StreamDefinition,
  field: string,
  context: ReaderContext,
): Promise<number | undefined> {
  const page = await fetchPage(
    context.client,
    _newestFirst(definition, field),
    1,
  );
  const value = page.items[0]?.[field];
  return typeof value === "number" ? value : undefined;
}
