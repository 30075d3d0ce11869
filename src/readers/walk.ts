/**
 * The incremental read of a stream with an update marker (contacts): a walk
 * of the list most recently changed first, down to the saved cursor; a
 * backfill by creation windows on the first sync, or when more changed than
 * one query can list.
 *
 * @module
 */

import { fetchPage, RESULT_CAP } from "../aircall/pages.ts";
import { walkNewestFirst } from "../aircall/walk.ts";
import { savedCursor } from "../inputs.ts";
import type { StateBlob } from "../protocol.ts";
import { idField } from "../streams/definition.ts";
import type { StreamDefinition } from "../streams/mod.ts";
import type { ReaderContext, ReadEvent, WindowsPaging } from "./types.ts";
import {
  readWindowed,
  SETTLE_SECONDS,
  startSecond,
  warnIfFuture,
} from "./windows.ts";

/**
 * The events of an `updated_desc` incremental read.
 *
 * @param definition The stream.
 * @param paging Its paging, for the backfill's windows.
 * @param field The cursor field (`updated_at`).
 * @param context Client, config and the sync's clock.
 * @param state The saved state.
 * @returns Events ending with a checkpoint.
 */
export async function* readUpdatedDesc(
  definition: StreamDefinition,
  paging: WindowsPaging,
  field: string,
  context: ReaderContext,
  state: StateBlob,
): AsyncGenerator<ReadEvent> {
  const cursor = savedCursor(definition.name, state, field);
  const backfilledTo = savedCursor(definition.name, state, paging.field);
  const start = startSecond(paging, context);
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
  yield* warnIfFuture(definition, field, cursor, context.now);
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
  yield* readWindowed(definition, paging, context, lo, checkpoint, skip);
  yield { kind: "checkpoint", state: { [field]: bound } };
}
