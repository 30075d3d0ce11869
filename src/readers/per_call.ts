/**
 * The reader of per-call streams (Conversation Intelligence): one request per
 * call that can have the object, at the least cost the rate limit allows.
 *
 * The calls list (one request per 50 calls) says which calls can have it:
 * answered with a recording (or voicemails, where they can), ended an hour
 * or more before the sync. Every other call costs nothing. In incremental
 * mode the state is the last call asked for, in `(started_at, id)` order, so
 * an object that never changes is asked for once; mutable ones are asked
 * again for the calls of `ai_lookback_days` before it. The cost is logged,
 * and estimated, before it is spent.
 *
 * @module
 */

import { fanOut } from "../aircall/fanout.ts";
import { type ApiRecord, PER_PAGE } from "../aircall/pages.ts";
import { ConnectorError, CredentialsError, HttpError } from "../errors.ts";
import { CALL_ID, futureCursor, savedCursor, savedId } from "../inputs.ts";
import type { StateBlob } from "../protocol.ts";
import { formatDuration, plural } from "../progress.ts";
import type { PerCallPaging, ReaderContext, ReadEvent } from "./types.ts";
import { pathFor } from "../streams/definition.ts";
import type { StreamDefinition, SyncMode } from "../streams/mod.ts";

/** Where the calls come from: the calls stream's windowed read. */
export interface CallSource {
  /** The first second the calls list covers (start_date, or the API's six months). */
  start: number;
  /**
   * The calls from `lo` (unix seconds) to the sync's now, as read events: a
   * checkpoint after each window listed, whose calls are then all there.
   *
   * @param lo The first second to list.
   * @param maxWindow The most calls a window may hold (default the cap).
   */
  list(lo: number, maxWindow?: number): AsyncIterable<ReadEvent>;
}

/**
 * How long after a call ends its objects are asked for: they appear seconds
 * to minutes after it, so a call that ended within the hour waits for the
 * next sync rather than costing a 404 now and nothing later.
 */
export const ELIGIBLE_AFTER_SECONDS = 3_600;

/** A call listed with no end this long after it started is taken as over. */
const LONGEST_CALL_SECONDS = 86_400;

/** Requests in flight at once at most: when the pace allows several a second. */
export const MAX_IN_FLIGHT = 8;

/** What the fan-out needs of a call. */
interface _Call {
  id: number;
  startedAt: number;
  endedAt: number | null;
  /** Answered, with a recording. */
  recorded: boolean;
  voicemail: boolean;
}

/** A place in the calls' `(started_at, id)` order. */
interface _Position {
  startedAt: number;
  id: number;
}

function _callOf(record: ApiRecord): _Call | undefined {
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

const _byPosition = (a: _Position, b: _Position) =>
  a.startedAt - b.startedAt || a.id - b.id;

const _isAfter = (call: _Position, position: _Position) =>
  _byPosition(call, position) > 0;

/** A position before every call of its second: no call id saved. */
const _BEFORE_EVERY_ID = -1;

const _stateOf = (position: _Position): StateBlob => ({
  call_started_at: position.startedAt,
  [CALL_ID]: position.id === _BEFORE_EVERY_ID ? null : position.id,
});

/**
 * The last call asked for in a saved state. Without a `call_id` (a state
 * written by hand), the calls of the cursor's second are asked again.
 */
function _savedPosition(
  stream: string,
  state: StateBlob,
): _Position | undefined {
  const startedAt = savedCursor(stream, state, "call_started_at");
  if (startedAt === undefined) return undefined;
  return { startedAt, id: savedId(stream, state, CALL_ID) ?? _BEFORE_EVERY_ID };
}

/** The object in a body: under an envelope key, or the body itself. */
function _unwrap(
  body: unknown,
  envelope: readonly string[],
): Record<string, unknown> | undefined {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isObject(body)) return undefined;
  for (const key of envelope) {
    if (isObject(body[key])) return body[key];
  }
  return body;
}

/**
 * The events of one per-call stream's read.
 *
 * @param definition The stream.
 * @param paging Its per-call paging.
 * @param mode The configured sync mode.
 * @param context Client, config and the sync's clock.
 * @param state The stream's saved state (ignored in full refresh).
 * @param calls The calls list.
 * @returns Events ending with a checkpoint.
 */
export async function* readPerCall(
  definition: StreamDefinition,
  paging: PerCallPaging,
  mode: SyncMode,
  context: ReaderContext,
  state: StateBlob,
  calls: CallSource,
): AsyncGenerator<ReadEvent> {
  const { name } = definition;
  const { config, now } = context;
  const incremental = mode === "incremental";
  let saved = incremental ? _savedPosition(name, state) : undefined;
  if (saved) {
    const future = futureCursor(name, "call_started_at", saved.startedAt, now);
    if (future) {
      yield { kind: "warning", message: future };
      saved = { startedAt: now, id: Number.MAX_SAFE_INTEGER };
    }
  }
  const lookback = paging.mutable && saved
    ? config.ai_lookback_days * 86_400
    : 0;
  const from = saved
    ? Math.max(calls.start, saved.startedAt - lookback)
    : calls.start;

  const over = (call: _Call) =>
    call.endedAt === null
      ? call.startedAt <= now - LONGEST_CALL_SECONDS
      : call.endedAt <= now - ELIGIBLE_AFTER_SECONDS;
  const canHave = (call: _Call) =>
    call.recorded || (paging.voicemails && call.voicemail);
  const isFresh = (call: _Call) => !saved || _isAfter(call, saved);
  const budget = incremental && config.ai_max_requests_per_sync > 0
    ? config.ai_max_requests_per_sync
    : Infinity;

  // Which calls: the list, window by window from the oldest, as far as this
  // sync can ask: to the first window holding a call that may not be over
  // (every call after it waits), or to the window where the budget is
  // reached (windows then hold about twice the budget, so little is listed
  // past it).
  const listed: _Call[] = [];
  let total = 0;
  let stopped = false;
  const maxWindow = budget === Infinity
    ? undefined
    : Math.max(PER_PAGE, 2 * budget);
  for await (const event of calls.list(from, maxWindow)) {
    if (event.kind === "estimate") {
      total = event.rows;
    } else if (event.kind === "records") {
      for (const record of event.records) {
        const call = _callOf(record);
        if (call) listed.push(call);
      }
    } else if (event.kind === "info" || event.kind === "warning") {
      yield event;
    } else if (event.kind === "checkpoint") {
      // A window is listed.
      const askable = listed.filter((call) => isFresh(call) && canHave(call));
      if (askable.length >= budget || listed.some((call) => !over(call))) {
        stopped = true;
        break;
      }
    }
  }
  listed.sort(_byPosition);
  const waiting = listed.findIndex((call) => !over(call));
  const ready = waiting < 0 ? listed : listed.slice(0, waiting);
  // New calls, and the lookback's (already asked, mutable objects only).
  const fresh = ready.filter(isFresh);
  const again = paging.mutable
    ? ready.filter((call) => !isFresh(call) && canHave(call))
    : [];
  const freshToAsk = fresh.filter(canHave);
  const freshAsked = freshToAsk.slice(0, budget);
  const againAsked = again.slice(0, budget - freshAsked.length);
  const requests = freshAsked.length + againAsked.length;
  const unlisted = stopped ? Math.max(0, total - listed.length) : 0;

  const perMinute = config.max_requests_per_minute;
  const eligible = freshToAsk.length + again.length;
  const parts = [
    `${name}: ${eligible.toLocaleString("en-US")} of the ${
      plural(listed.length, "call")
    } listed${stopped ? " so far" : ""} can have one${
      again.length
        ? ` (${again.length} within ai_lookback_days, asked again)`
        : ""
    }: ${plural(requests, "request")}, ${
      formatDuration((requests / perMinute) * 60)
    } at ${perMinute} requests per minute.`,
  ];
  if (requests < eligible) {
    parts.push(`ai_max_requests_per_sync stops this sync at ${requests}.`);
  }
  if (waiting >= 0) {
    parts.push(
      `${
        plural(listed.length - waiting + unlisted, "call")
      } from the first that may not have ended an hour ago wait for a later sync.`,
    );
  } else if (unlisted > 0) {
    parts.push(
      `The ${
        plural(unlisted, "call")
      } after them are listed by the next syncs.`,
    );
  }
  yield { kind: "info", message: parts.join(" ") };
  yield { kind: "estimate", rows: requests };

  const counts = { found: 0, missing: 0 };
  const ask = _asker(definition, paging, context, counts);
  // The lookback's first: it moves nothing saved.
  for await (const { record } of ask(againAsked)) {
    if (record) yield { kind: "records", records: [record] };
  }
  let position = saved;
  for await (const { call, record } of ask(freshAsked)) {
    if (record) yield { kind: "records", records: [record] };
    // Every call up to this one is done: an immutable object is never asked
    // for again, even after a kill.
    position = call;
    if (incremental) yield { kind: "checkpoint", state: _stateOf(position) };
  }
  const left = freshToAsk.length - freshAsked.length;
  if (left > 0 || (requests === budget && unlisted > 0)) {
    yield {
      kind: "info",
      message: `${name}: the ${
        plural(budget, "request")
      } of ai_max_requests_per_sync are spent; ${
        plural(left, "eligible call")
      } listed and ${
        plural(unlisted, "call")
      } not yet listed remain, for the next syncs.`,
    };
  } else if (fresh.length > 0) {
    // Every call listed and over is done, those without an object too.
    position = fresh.at(-1);
  }
  yield {
    kind: "info",
    message: `${name}: ${plural(counts.found, "call")} had one, ${
      counts.missing.toLocaleString("en-US")
    } answered 404 (none).`,
  };
  yield {
    kind: "checkpoint",
    state: incremental && position ? _stateOf(position) : {},
  };
}

/**
 * A function that asks for the object of each call, in order, a few at a
 * time when the pace allows; yields each call with its record (none for a
 * 404).
 */
function _asker(
  definition: StreamDefinition,
  paging: PerCallPaging,
  context: ReaderContext,
  counts: { found: number; missing: number },
): (
  calls: readonly _Call[],
) => AsyncGenerator<{ call: _Call; record?: ApiRecord }> {
  const { client, config } = context;
  const inFlight = Math.max(
    1,
    Math.min(MAX_IN_FLIGHT, Math.floor(config.max_requests_per_minute / 60)),
  );
  const one = async (call: _Call, signal?: AbortSignal) => {
    const path = pathFor(definition, call.id);
    let body: unknown;
    try {
      body = await client.get(path, {}, signal);
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) {
        counts.missing++;
        return { call };
      }
      // The key has just listed the calls: a 403 here is the add-on, and
      // ends this stream alone rather than the run.
      if (error instanceof CredentialsError && error.status === 403) {
        throw new ConnectorError(
          "config_error",
          `Aircall answered 403 to GET ${path} though the API key reads calls: the account lacks the ${paging.addOn} add-on. Enable it, or deselect ${definition.name}.`,
          error.internalMessage,
        );
      }
      throw error;
    }
    const object = _unwrap(body, paging.envelope);
    if (!object) {
      throw new ConnectorError(
        "system_error",
        `Aircall's answer to GET ${path} is not an object; the API may have changed.`,
      );
    }
    counts.found++;
    const record = {
      ...object,
      call_id: call.id,
      call_started_at: call.startedAt,
    };
    return { call, record };
  };
  return async function* (calls) {
    if (calls.length === 0) return;
    // The first alone: without the add-on, that is the one request made.
    yield await one(calls[0]);
    yield* fanOut(calls.slice(1), one, inFlight);
  };
}
