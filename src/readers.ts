/**
 * How each stream is read, per sync mode, as a sequence of events for the
 * engine: records, estimates, checkpoints and warnings. The strategies are
 * chosen by a stream definition's `paging` and `incremental` data.
 *
 * @module
 */

import type { AircallClient } from "./aircall/client.ts";
import { fanOut } from "./aircall/fanout.ts";
import {
  type ApiRecord,
  fetchPage,
  isCutByCap,
  type ListQuery,
  pages,
  RESULT_CAP,
} from "./aircall/pages.ts";
import { walkNewestFirst } from "./aircall/walk.ts";
import { readWindows } from "./aircall/windows.ts";
import { ConnectorError, HttpError } from "./errors.ts";
import { futureCursor, savedCursor } from "./inputs.ts";
import { type CallSource, readPerCall } from "./per_call.ts";
import type { StateBlob } from "./protocol.ts";
import type { Config } from "./spec.ts";
import { idField, pathFor } from "./streams/definition.ts";
import type { StreamDefinition, SyncMode } from "./streams/mod.ts";

/** What a stream reader yields. */
export type ReadEvent =
  | { kind: "estimate"; rows: number }
  | { kind: "records"; records: ApiRecord[] }
  | { kind: "checkpoint"; state: StateBlob }
  | { kind: "info"; message: string }
  | { kind: "warning"; message: string };

/** What every reader of one run shares. */
export interface ReaderContext {
  client: AircallClient;
  config: Config;
  /** The sync's "now", unix seconds: no window reads past it. */
  now: number;
}

type WindowsPaging = Extract<StreamDefinition["paging"], { kind: "windows" }>;
type ChildrenPaging = Extract<
  StreamDefinition["paging"],
  { kind: "children" }
>;

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
  if (definition.paging.kind === "per_call") {
    return readPerCall(
      definition,
      definition.paging,
      mode,
      context,
      state ?? {},
      _callSource(definition.paging.parent, context),
    );
  }
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

/**
 * The calls list of a per-call stream: the calls stream's windows, each
 * finished one a checkpoint of `{ listed: <its last second> }`.
 */
function _callSource(
  calls: StreamDefinition,
  context: ReaderContext,
): CallSource {
  const paging = _windowsPaging(calls);
  return {
    start: _startSecond(paging, context),
    list: (lo, maxWindow) =>
      _windowed(
        calls,
        paging,
        context,
        lo,
        (hi) => ({ listed: hi }),
        undefined,
        maxWindow,
      ),
  };
}

function _windowsPaging(definition: StreamDefinition): WindowsPaging {
  if (definition.paging.kind !== "windows") {
    throw new Error(`${definition.name}: not read by windows`);
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
  } else if (paging.kind === "children") {
    yield* _children(definition, paging, context);
  } else if (paging.kind === "windows") {
    yield* _windowed(
      definition,
      paging,
      context,
      _startSecond(paging, context),
      () => undefined,
    );
  } else {
    throw new Error(
      `${definition.name}: a per-call stream is read by readStream`,
    );
  }
  yield { kind: "checkpoint", state: {} };
}

/** The stream's list query, at its path or a path filled from its template. */
function _listOf(
  definition: StreamDefinition,
  path: string = definition.path,
): ListQuery {
  return { path, key: definition.key, query: definition.query ?? {} };
}

async function* _allPages(
  definition: StreamDefinition,
  context: ReaderContext,
): AsyncGenerator<ReadEvent> {
  for await (const page of pages(context.client, _listOf(definition))) {
    if (page.number === 1 && page.total !== undefined) {
      yield { kind: "estimate", rows: page.total };
    }
    if (page.items.length > 0) yield { kind: "records", records: page.items };
    if (isCutByCap(page)) {
      yield {
        kind: "warning",
        message: `Aircall reports ${
          page.total ?? "more than " + RESULT_CAP
        } ${definition.name} but serves only the first ${RESULT_CAP} of a list; the rest cannot be read.`,
      };
    }
  }
}

/**
 * Parents whose lists are requested at once. Small: the scheduler paces
 * every request anyway; this only keeps a slow answer from holding the
 * next ones back when the pace allows more.
 */
const CHILDREN_IN_FLIGHT = 4;

/**
 * Reads the parent stream in full, then each parent's list (every page),
 * in parent order. A parent deleted between the two requests (404) is
 * skipped with a warning.
 */
async function* _children(
  definition: StreamDefinition,
  paging: ChildrenPaging,
  context: ReaderContext,
): AsyncGenerator<ReadEvent> {
  const parentId = idField(paging.parent);
  // The parent read's own warnings (a list cut by the cap) concern these
  // records too; they are passed on between the children's.
  const warnings: string[] = [];
  async function* parents(): AsyncGenerator<unknown> {
    for await (const event of _fullRefresh(paging.parent, context)) {
      if (event.kind === "records") {
        for (const record of event.records) yield record[parentId];
      } else if (event.kind === "warning") {
        warnings.push(event.message);
      }
    }
  }
  const lists = fanOut(
    parents(),
    (id, signal) => _childList(definition, paging, context, id, signal),
    CHILDREN_IN_FLIGHT,
  );
  for await (const { path, records } of lists) {
    for (const message of warnings.splice(0)) {
      yield { kind: "warning", message };
    }
    if (records === undefined) {
      yield {
        kind: "warning",
        message:
          `GET ${path} answered 404: the ${paging.parent.name} record was deleted after it was listed; its ${definition.name} are skipped.`,
      };
    } else if (records.length > 0) {
      yield { kind: "records", records };
    }
  }
  for (const message of warnings) yield { kind: "warning", message };
}

/**
 * Every page of one parent's list, each item with the parent's id added;
 * `undefined` records when the parent is gone (404).
 */
async function _childList(
  definition: StreamDefinition,
  paging: ChildrenPaging,
  context: ReaderContext,
  id: unknown,
  signal: AbortSignal,
): Promise<{ path: string; records?: ApiRecord[] }> {
  const path = pathFor(definition, id);
  const list = _listOf(definition, path);
  const records: ApiRecord[] = [];
  try {
    for await (const page of pages(context.client, list, { signal })) {
      for (const item of page.items) {
        item[paging.parentField] = id;
        records.push(item);
      }
    }
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return { path };
    throw error;
  }
  return { path, records };
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
  skip?: Set<unknown>,
  maxWindow?: number,
): AsyncGenerator<ReadEvent> {
  const list = {
    path: definition.path,
    key: definition.key,
    primaryKey: idField(definition),
    field: paging.field,
    fromExclusive: paging.fromExclusive,
    query: definition.query,
  };
  // Records created during the sync may still join its last minute.
  const liveFrom = context.now - SETTLE_SECONDS;
  for await (
    const event of readWindows(context.client, list, lo, context.now, {
      skip,
      liveFrom,
      maxWindow,
    })
  ) {
    if (event.kind === "total") {
      yield { kind: "estimate", rows: event.total };
    } else if (event.kind === "records") {
      yield event;
    } else if (event.kind === "reread") {
      yield {
        kind: "info",
        message:
          `${definition.name} changed while ${paging.field} ${event.lo}..${event.hi} was read: reading ${event.spans} span(s) between its pages again.`,
      };
    } else if (event.kind === "overflow") {
      yield {
        kind: "warning",
        message:
          `${event.unread} of the ${event.total} ${definition.name} sharing ${paging.field} ${event.second} cannot be read: Aircall lists at most ${RESULT_CAP} per query, read both oldest and newest first.`,
      };
    } else {
      const state = onWindow(event.hi);
      if (state) yield { kind: "checkpoint", state };
    }
  }
}

/** A warning when a saved cursor is in the future (see {@linkcode futureCursor}). */
function* _warnIfFuture(
  definition: StreamDefinition,
  field: string,
  cursor: number,
  now: number,
): Generator<ReadEvent> {
  const message = futureCursor(definition.name, field, cursor, now);
  if (message) yield { kind: "warning", message };
}

async function* _lookbackIncremental(
  definition: StreamDefinition,
  paging: WindowsPaging,
  field: string,
  context: ReaderContext,
  state: StateBlob,
): AsyncGenerator<ReadEvent> {
  const cursor = savedCursor(definition.name, state, field);
  const start = _startSecond(paging, context);
  let lo = start;
  if (cursor !== undefined) {
    yield* _warnIfFuture(definition, field, cursor, context.now);
    // Inclusive: calls of the cursor's second may be listed after it was read.
    const lookback = context.config.calls_lookback_hours * 3600;
    lo = Math.max(start, cursor - lookback);
  }
  // Windows inside the lookback move nothing forward: no checkpoint for them.
  const reached = Math.min(cursor ?? -Infinity, context.now);
  const checkpoint = (hi: number) => hi > reached ? { [field]: hi } : undefined;
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
  const newestFirst = {
    path: definition.path,
    key: definition.key,
    query: { ...definition.query, order_by: field, order: "desc" },
  };
  // A backfill reads everything by windows on paging.field; its state holds
  // the window reached and the cursor taken when it began, from which the
  // next sync walks the changes made meanwhile.
  const backfill = (bound: number, lo: number, skip?: Set<unknown>) =>
    _backfill(definition, paging, context, field, bound, lo, skip);

  if (cursor === undefined) {
    const [newest] = (await fetchPage(context.client, newestFirst, 1)).items;
    const top = newest?.[field];
    yield* backfill(
      typeof top === "number" ? _resumeFrom(top, context.now) : context.now,
      start,
    );
    return;
  }
  yield* _warnIfFuture(definition, field, cursor, context.now);
  if (backfilledTo !== undefined) {
    const bound = Math.min(cursor, context.now);
    yield* backfill(bound, Math.max(start, backfilledTo + 1));
    return;
  }
  // The walk: most recently changed first, down to the cursor (inclusive).
  const id = idField(definition);
  const walked = new Set<unknown>();
  let top: number | undefined;
  let rereads = 0;
  let cut: "cap" | "unsettled" | undefined;
  const walk = walkNewestFirst(
    context.client,
    { ...newestFirst, primaryKey: id, version: field },
    (item) => (item[field] as number) < cursor,
  );
  for await (const event of walk) {
    if (event.kind === "records") {
      // The first record of page 1 is the newest change.
      top ??= event.records[0][field] as number;
      const records = event.records.filter((item) =>
        (item[field] as number) >= cursor &&
        (item[paging.field] as number) >= start
      );
      for (const item of records) walked.add(item[id]);
      if (records.length > 0) yield { kind: "records", records };
    } else if (event.kind === "reread") {
      rereads++;
    } else {
      cut = event.reason;
    }
  }
  if (rereads > 0) {
    yield {
      kind: "info",
      message:
        `${definition.name} were deleted while the walk read them: ${rereads} pages read again.`,
    };
  }
  if (cut === undefined) {
    const resume = top === undefined
      ? cursor
      : Math.max(cursor, _resumeFrom(top, context.now));
    yield {
      kind: "checkpoint",
      state: { [field]: Math.min(resume, context.now) },
    };
    return;
  }
  // Cut by the cap (more changed than one query can list) or by a list
  // that kept shifting: read everything.
  yield {
    kind: "warning",
    message: cut === "cap"
      ? `More than ${RESULT_CAP} ${definition.name} changed since ${field} = ${cursor}; reading all of them by ${paging.field} windows instead.`
      : `${definition.name} kept being deleted faster than the walk could read them; reading all of them by ${paging.field} windows instead.`,
  };
  yield* backfill(_resumeFrom(top ?? context.now, context.now), start, walked);
}

/**
 * How old a second of `updated_at` must be, at the sync's start, to be
 * settled: no change can still be stamped with it or still be listed late
 * (a generous margin for the clocks of this machine and Aircall's to
 * disagree, and for Aircall's lists to lag).
 */
export const SETTLE_SECONDS = 60;

/**
 * Where the next walk starts (inclusive) once every change up to `newest`
 * was read: past `newest` when its second is settled, so a bulk edit's
 * thousand contacts sharing a second are not read again by every sync; at
 * `newest` otherwise, since a change made later in that second may be
 * listed yet. Never past now.
 */
function _resumeFrom(newest: number, now: number): number {
  return newest + SETTLE_SECONDS <= now ? newest + 1 : Math.min(newest, now);
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
  yield* _windowed(definition, paging, context, lo, checkpoint, skip);
  yield { kind: "checkpoint", state: { [field]: bound } };
}
