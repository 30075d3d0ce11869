/**
 * Streams read by `from`/`to` time windows (calls, and the contacts
 * backfill): a full read from the first second served, and the calls'
 * lookback incremental.
 *
 * @module
 */

import { RESULT_CAP } from "../aircall/pages.ts";
import { readWindows } from "../aircall/windows.ts";
import { futureCursor, savedCursor } from "../inputs.ts";
import type { StateBlob } from "../protocol.ts";
import { idField } from "../streams/definition.ts";
import type { StreamDefinition } from "../streams/mod.ts";
import type { ReaderContext, ReadEvent, WindowsPaging } from "./types.ts";

/**
 * How old a second must be, at the sync's start, to be settled: no record
 * can still be stamped with it or still be listed late (a generous margin
 * for the clocks of this machine and Aircall's to disagree, and for
 * Aircall's lists to lag).
 */
export const SETTLE_SECONDS = 60;

/**
 * A windowed stream's paging.
 *
 * @param definition A stream read by windows.
 * @returns Its paging.
 * @throws {Error} For a stream read otherwise.
 */
export function windowsPaging(definition: StreamDefinition): WindowsPaging {
  if (definition.paging.kind !== "windows") {
    throw new Error(`${definition.name}: not read by windows`);
  }
  return definition.paging;
}

/**
 * The first second a full read of a windowed stream covers: `start_date`,
 * or the oldest the API serves.
 *
 * @param paging The stream's paging.
 * @param context The run's config and clock.
 * @returns Unix seconds.
 */
export function startSecond(
  paging: WindowsPaging,
  context: ReaderContext,
): number {
  const start = Math.floor(Date.parse(context.config.start_date) / 1000);
  return paging.historySeconds === undefined
    ? start
    : Math.max(start, context.now - paging.historySeconds);
}

/**
 * Reads `[lo, hi]` (to now by default) in windows; `onWindow` turns a finished window into a
 * checkpoint (or nothing, in full refresh).
 *
 * @param definition The stream.
 * @param paging Its paging.
 * @param context Client, config and the sync's clock.
 * @param lo The first second to read.
 * @param onWindow The checkpoint after a window ending at `hi`, if any.
 * @param skip Ids already read: not yielded again.
 * @param maxWindow The most records a window may hold (default the cap).
 * @param hi The last second to read (default the sync's now).
 * @returns Estimates, records, notices and checkpoints; no final one.
 */
export async function* readWindowed(
  definition: StreamDefinition,
  paging: WindowsPaging,
  context: ReaderContext,
  lo: number,
  onWindow: (hi: number) => StateBlob | undefined,
  skip?: Set<unknown>,
  maxWindow?: number,
  hi?: number,
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
  // The calls, wherever listed, are kept for the per-call streams.
  const index = context.callIndex?.parent === definition
    ? context.callIndex
    : undefined;
  for await (
    const event of readWindows(context.client, list, lo, hi ?? context.now, {
      skip,
      liveFrom,
      maxWindow,
    })
  ) {
    if (event.kind === "total") {
      yield { kind: "estimate", rows: event.total };
    } else if (event.kind === "records") {
      index?.add(event.records);
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
      index?.cover(event.lo, event.hi);
      const state = onWindow(event.hi);
      if (state) yield { kind: "checkpoint", state };
    }
  }
}

/**
 * A warning when a saved cursor is in the future (see {@linkcode futureCursor}).
 *
 * @param definition The stream.
 * @param field The cursor's field.
 * @param cursor The saved cursor.
 * @param now The sync's now.
 * @returns The warning, or nothing.
 */
export function* warnIfFuture(
  definition: StreamDefinition,
  field: string,
  cursor: number,
  now: number,
): Generator<ReadEvent> {
  const message = futureCursor(definition.name, field, cursor, now);
  if (message) yield { kind: "warning", message };
}

/**
 * The incremental read of a stream whose records change after they are made
 * with no update marker (calls): from `cursor - calls_lookback_hours` to
 * now, a checkpoint after each window past the cursor.
 *
 * @param definition The stream.
 * @param paging Its paging.
 * @param field The cursor field.
 * @param context Client, config and the sync's clock.
 * @param state The saved state.
 * @returns Events ending with a checkpoint at now.
 */
export async function* readLookback(
  definition: StreamDefinition,
  paging: WindowsPaging,
  field: string,
  context: ReaderContext,
  state: StateBlob,
): AsyncGenerator<ReadEvent> {
  const cursor = savedCursor(definition.name, state, field);
  const start = startSecond(paging, context);
  let lo = start;
  if (cursor !== undefined) {
    yield* warnIfFuture(definition, field, cursor, context.now);
    // Inclusive: calls of the cursor's second may be listed after it was read.
    const lookback = context.config.calls_lookback_hours * 3600;
    lo = Math.max(start, cursor - lookback);
  }
  // Windows inside the lookback move nothing forward: no checkpoint for them.
  const reached = Math.min(cursor ?? -Infinity, context.now);
  const checkpoint = (hi: number) => hi > reached ? { [field]: hi } : undefined;
  yield* readWindowed(definition, paging, context, lo, checkpoint);
  yield { kind: "checkpoint", state: { [field]: context.now } };
}
