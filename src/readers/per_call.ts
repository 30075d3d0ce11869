/**
 * The reader of per-call streams (Conversation Intelligence): one request per
 * call that can have the object, at the least cost the rate limit allows.
 *
 * The calls list (one request per 50 calls) says which calls can have it:
 * answered with a recording (or voicemails, where they can), ended an hour
 * or more before the sync. Every other call costs nothing. Aircall makes
 * objects late (minutes to hours after the call; a recording may be attached
 * hours after the call is first listed), so a call is settled only
 * `ai_settle_hours` after it ended: until then a 404, or a call that could
 * not have the object yet, is looked at again by later syncs, on a back-off
 * (see `per_call_state.ts`). An object found is never asked again when it
 * never changes; mutable ones are asked again for the calls of
 * `ai_lookback_days`. The first request goes out as soon as the first call
 * to ask is listed: without the add-on, that is all a sync spends. The cost
 * is logged, and estimated, before it is spent.
 *
 * @module
 */

import { fanOut } from "../aircall/fanout.ts";
import { type ApiRecord, PER_PAGE } from "../aircall/pages.ts";
import { ConnectorError, CredentialsError, HttpError } from "../errors.ts";
import { futureCursor } from "../inputs.ts";
import type { StateBlob } from "../protocol.ts";
import { formatDuration, plural } from "../progress.ts";
import {
  byPosition,
  MAX_FOUND,
  parsePerCallState,
  type PerCallState,
  perCallStateBlob,
  type Position,
} from "./per_call_state.ts";
import type { CallEvent, CallSource } from "./call_index.ts";
import type {
  ListedCall,
  PerCallPaging,
  ReaderContext,
  ReadEvent,
} from "./types.ts";
import { pathFor } from "../streams/definition.ts";
import type { StreamDefinition, SyncMode } from "../streams/mod.ts";
/**
 * How long after a call ends its objects are asked for: they appear seconds
 * to minutes after it, so a call that ended within the hour waits for the
 * next sync rather than costing a 404 now and nothing later.
 */
export const ELIGIBLE_AFTER_SECONDS = 3_600;

/** A call listed with no end this long after it started is taken as over. */
const LONGEST_CALL_SECONDS = 86_400;

/**
 * The share of listed calls to ask a budgeted sync sizes its first window
 * for, before it has seen any: about what accounts that record calls have.
 */
const FIRST_SHARE = 0.5;

/** The least share a window is sized for: windows stay under the cap's half. */
const MIN_SHARE = 0.05;

/** Where the lookback's slice starts moves on by this fraction an hour. */
const _GOLDEN = 0.618_033_988_75;

/** Windows hold this much more than the share seen says the budget needs. */
const WINDOW_MARGIN = 1.1;

/** Requests in flight at once at most: when the pace allows several a second. */
export const MAX_IN_FLIGHT = 8;

/** Whether `call` comes after `position` (after everything without one). */
const _isAfter = (call: Position, position: Position | undefined) =>
  !position || byPosition(call, position) > 0;

/**
 * What a sync does with a listed call: ask for its object (`ask`), ask
 * again within the lookback (`again`), nothing as it is settled or already
 * delivered (`done`), or nothing yet as it may still get one (`wait`).
 */
type _Action = "ask" | "again" | "done" | "wait";

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
  const saved: PerCallState = incremental
    ? parsePerCallState(name, state)
    : { found: new Set() };
  if (saved.settled) {
    const future = futureCursor(
      name,
      "call_started_at",
      saved.settled.startedAt,
      now,
    );
    if (future) {
      yield { kind: "warning", message: future };
      saved.settled = { startedAt: now, id: Number.MAX_SAFE_INTEGER };
      saved.askedTo = undefined;
      saved.found.clear();
    }
  }
  const lookback = paging.mutable && saved.settled
    ? config.ai_lookback_days * 86_400
    : 0;
  const from = saved.settled
    ? Math.max(calls.start, saved.settled.startedAt - lookback)
    : calls.start;
  const settleSeconds = config.ai_settle_hours * 3_600;
  const endOf = (call: ListedCall) =>
    call.endedAt ?? call.startedAt + LONGEST_CALL_SECONDS;
  const settledBy = (call: ListedCall, time: number) =>
    endOf(call) + settleSeconds <= time;
  /** The back-off step a call is at: asked again when it moves on. */
  const step = (call: ListedCall, time: number) => {
    const age = time - endOf(call);
    if (age < ELIGIBLE_AFTER_SECONDS) return -1;
    if (age >= settleSeconds) return Infinity;
    return Math.floor(Math.log2(age / ELIGIBLE_AFTER_SECONDS));
  };
  const canHave = (call: ListedCall) =>
    call.recorded || (paging.voicemails && call.voicemail);
  const { askedTo, askedAt } = saved;
  const actionOf = (call: ListedCall): _Action => {
    if (!_isAfter(call, saved.settled)) {
      return paging.mutable && canHave(call) ? "again" : "done";
    }
    if (saved.found.has(call.id)) return paging.mutable ? "again" : "done";
    if (step(call, now) < 0) return "wait";
    if (!canHave(call)) return settledBy(call, now) ? "done" : "wait";
    if (askedAt === undefined || _isAfter(call, askedTo)) return "ask";
    // Considered at askedAt: asked then if it could be, and settled if it was.
    if (settledBy(call, askedAt)) return "done";
    return step(call, askedAt) < step(call, now) ? "ask" : "wait";
  };
  const budget = incremental && config.ai_max_requests_per_sync > 0
    ? config.ai_max_requests_per_sync
    : Infinity;

  const counts = { found: 0, missing: 0 };
  const one = _asker(definition, paging, context, counts);
  /** Calls after the settled position whose object was delivered. */
  const found = new Set(saved.found);

  // Which calls: the list, window by window from the oldest, as far as this
  // sync can ask: each window sized to hold what the budget still needs, at
  // the share of listed calls to ask seen so far, so little is listed past
  // it. The first call to ask is asked as soon as it is listed: a missing
  // add-on then costs one request, not a listing.
  const listed: ListedCall[] = [];
  let total = 0;
  let stopped = false;
  let probe: _Answer | undefined;
  let toAsk = 0;
  let toAskAgain = 0;
  /** Calls listed after the settled position: those `toAsk` is a share of. */
  let past = 0;
  /** Calls listed before it: those `toAskAgain` is a share of. */
  let before = 0;
  /**
   * The size of a window that should hold `needed - have` more calls to
   * ask, at the share `have / of` seen so far.
   */
  const sized = (needed: number, have: number, of: number) => {
    const share = of >= PER_PAGE ? Math.max(MIN_SHARE, have / of) : FIRST_SHARE;
    return Math.ceil((Math.max(1, needed - have) / share) * WINDOW_MARGIN);
  };
  /** Takes in listed calls until `enough` once a range is listed whole. */
  async function* take(
    events: AsyncIterable<CallEvent>,
    enough: () => boolean,
  ): AsyncGenerator<ReadEvent, boolean> {
    for await (const event of events) {
      if (event.kind === "estimate") {
        total += event.rows;
      } else if (event.kind === "calls") {
        for (const call of event.calls) {
          listed.push(call);
          if (_isAfter(call, saved.settled)) past++;
          else before++;
          const action = actionOf(call);
          if (action === "ask") toAsk++;
          if (action === "again") toAskAgain++;
          if (probe || (action !== "ask" && action !== "again")) continue;
          probe = await one(call);
          // Delivered now: a kill before its turn does not lose it.
          if (probe.record) {
            yield { kind: "records", records: [probe.record] };
            if (incremental) {
              found.add(call.id);
              yield {
                kind: "checkpoint",
                state: _blob(saved.settled, askedTo, askedAt ?? now, found),
              };
            }
          }
        }
      } else if (event.kind === "info" || event.kind === "warning") {
        yield event;
      } else if (event.kind === "listed" && enough()) {
        return true;
      }
    }
    return false;
  }
  // Under a budget, the lookback's calls get a share of it, not a listing of
  // all of them: first a slice of the lookback that holds half the budget,
  // from a second that moves on hour by hour (so each call's turn comes),
  // wrapping round to its start; then the new calls, for what it leaves.
  const settledAt = saved.settled?.startedAt ?? from;
  const sliced = budget !== Infinity && settledAt > from;
  if (sliced) {
    const againShare = Math.floor(budget / 2);
    const turn = (Math.floor(now / 3_600) * _GOLDEN) % 1;
    const start = from + Math.floor(turn * (settledAt - from));
    for (const [lo, hi] of [[start, settledAt - 1], [from, start - 1]]) {
      if (lo > hi || toAskAgain >= againShare) continue;
      const size = () => sized(againShare, toAskAgain, before);
      yield* take(calls.list(lo, size, hi), () => toAskAgain >= againShare);
    }
  }
  const freshBudget = sliced
    ? budget - Math.min(toAskAgain, Math.floor(budget / 2))
    : budget;
  stopped = yield* take(
    calls.list(
      sliced ? settledAt : from,
      budget === Infinity ? undefined : () => sized(freshBudget, toAsk, past),
    ),
    () => toAsk >= freshBudget,
  );
  /** Calls past the ones listed, when the budget stopped the listing. */
  const unlisted = stopped ? Math.max(0, total - listed.length) : 0;
  listed.sort(byPosition);
  const actions = listed.map(actionOf);
  const fresh: number[] = [];
  const again: number[] = [];
  actions.forEach((action, i) => {
    if (action === "ask") fresh.push(i);
    else if (action === "again") again.push(i);
  });
  const retried = fresh.filter((i) => !_isAfter(listed[i], askedTo)).length;

  // What is asked: all, or within the budget the first new calls and a fair
  // share for the lookback's calls before the first new one left (half, or
  // what the new ones leave), rotating through them from sync to sync.
  const asked = new Set<number>();
  const probeIndex = probe ? listed.indexOf(probe.call) : -1;
  if (probeIndex >= 0) asked.add(probeIndex);
  const againQuota = Math.min(
    again.length,
    Math.max(budget - fresh.length, Math.floor(budget / 2)),
  );
  let cut = listed.length;
  let freshLeft = budget - againQuota -
    (probeIndex >= 0 && actions[probeIndex] === "ask" ? 1 : 0);
  for (const i of fresh) {
    if (asked.has(i)) continue;
    if (freshLeft-- <= 0) {
      cut = i;
      break;
    }
    asked.add(i);
  }
  const pool = again.filter((i) => i < cut && !asked.has(i));
  const rotation = pool.length > 0
    ? (Math.floor(now / 3_600) * againQuota) % pool.length
    : 0;
  for (let k = 0; asked.size < budget && k < pool.length; k++) {
    asked.add(pool[(rotation + k) % pool.length]);
  }
  const requests = asked.size;
  const againAsked = again.filter((i) => asked.has(i)).length;
  const waiting = actions.filter((action) => action === "wait").length;

  const perMinute = config.max_requests_per_minute;
  const eligible = fresh.length + again.length;
  const why = [
    again.length ? `${again.length} within ai_lookback_days, asked again` : "",
    retried ? `${retried} not settled yet, asked again` : "",
  ].filter(Boolean).join("; ");
  const parts = [
    `${name}: ${eligible.toLocaleString("en-US")} of the ${
      plural(listed.length, "call")
    } listed${stopped ? " so far" : ""} can have one${
      why ? ` (${why})` : ""
    }: ${plural(requests, "request")}, ${
      formatDuration((requests / perMinute) * 60)
    } at ${perMinute} requests per minute.`,
  ];
  if (requests < eligible) {
    parts.push(
      `ai_max_requests_per_sync stops this sync at ${requests}${
        again.length ? `, ${againAsked} of them within ai_lookback_days` : ""
      }.`,
    );
  }
  if (waiting > 0) {
    parts.push(
      `${
        plural(waiting, "call")
      } that may still get one (not ended an hour ago, or within ai_settle_hours of their end) wait for later syncs.`,
    );
  }
  if (unlisted > 0) {
    parts.push(
      `The ${
        plural(unlisted, "call")
      } after them are listed by the next syncs.`,
    );
  }
  yield { kind: "info", message: parts.join(" ") };
  yield { kind: "estimate", rows: requests };

  // Each call up to the cut in order: the settled position moves over the
  // calls settled without a gap, and the found ones after it are kept.
  let settled = saved.settled;
  let considered = askedTo;
  let holding = false;
  let pending = 0;
  const decide = (call: ListedCall, action: _Action, record?: ApiRecord) => {
    if (!_isAfter(call, settled) || !incremental) return;
    if (record) found.add(call.id);
    const final = found.has(call.id) || action === "done" ||
      (action === "ask" && settledBy(call, now));
    if (!final) pending++;
    holding ||= !final;
    if (!holding) {
      settled = call;
      found.delete(call.id);
    }
    considered = call;
  };
  // The calls up to the cut, in order, and the first one asked if past it.
  const order = [...Array(cut).keys()];
  if (probeIndex >= cut) order.push(probeIndex);
  // Only the calls asked take a place in flight: a call not asked is
  // decided, in order, when the answer after it comes.
  const answers = fanOut(
    order.filter((i) => asked.has(i)),
    async (i, signal) => ({
      i,
      ...(i === probeIndex ? probe! : await one(listed[i], signal)),
    }),
    _inFlight(context),
  );
  let next = 0;
  const decideUnaskedBefore = (end: number) => {
    for (; next < order.length && order[next] !== end; next++) {
      const j = order[next];
      if (j < cut) decide(listed[j], actions[j]);
    }
    next++;
  };
  let last = JSON.stringify(_blob(settled, considered, now, found));
  for await (const { i, call, record } of answers) {
    decideUnaskedBefore(i);
    if (record && i !== probeIndex) {
      yield { kind: "records", records: [record] };
    }
    if (i < cut) decide(call, actions[i], record);
    else if (record && incremental) found.add(call.id);
    // Every call up to this one is decided: an immutable object is never
    // asked for again, even after a kill.
    if (!incremental) continue;
    const state = _blob(settled, considered, now, found);
    const json = JSON.stringify(state);
    if (json !== last) yield { kind: "checkpoint", state };
    last = json;
  }
  decideUnaskedBefore(-1);
  if (cut < listed.length || unlisted > 0) {
    yield {
      kind: "info",
      message: `${name}: the ${
        plural(budget, "request")
      } of ai_max_requests_per_sync are spent; ${
        plural(fresh.filter((i) => !asked.has(i)).length, "eligible call")
      } listed and ${
        plural(unlisted, "call")
      } not yet listed remain, for the next syncs.`,
    };
  }
  // Only calls still listed after the settled position stay found; the
  // oldest are forgotten past the bound.
  const kept = listed.filter((call) =>
    found.has(call.id) && _isAfter(call, settled)
  ).map((call) => call.id);
  found.clear();
  for (const id of kept.slice(-MAX_FOUND)) found.add(id);
  if (kept.length > MAX_FOUND) {
    yield {
      kind: "warning",
      message: `${name}: ${
        plural(kept.length, "call")
      } delivered wait behind an unsettled one; the state keeps the newest ${MAX_FOUND}, so the ${
        kept.length - MAX_FOUND
      } oldest are asked (and delivered) again by a later sync.`,
    };
  }
  yield {
    kind: "info",
    message: `${name}: ${plural(counts.found, "call")} had one, ${
      counts.missing.toLocaleString("en-US")
    } answered 404 (none)${
      pending ? `; ${plural(pending, "call")} may still get one later` : ""
    }.`,
  };
  yield {
    kind: "checkpoint",
    state: incremental ? _blob(settled, considered, now, found) : {},
  };
}

/** The state after a call: see `per_call_state.ts`. */
function _blob(
  settled: Position | undefined,
  considered: Position | undefined,
  now: number,
  found: Set<number>,
): StateBlob {
  const askedTo = considered && _isAfter(considered, settled)
    ? considered
    : undefined;
  return perCallStateBlob({
    settled,
    askedTo,
    askedAt: askedTo ? now : undefined,
    found,
  });
}

/** Requests in flight at once: a few when the pace allows several a second. */
function _inFlight(context: ReaderContext): number {
  return Math.max(
    1,
    Math.min(
      MAX_IN_FLIGHT,
      Math.floor(context.config.max_requests_per_minute / 60),
    ),
  );
}

/** A call, with its record (none for a 404). */
interface _Answer {
  call: ListedCall;
  record?: ApiRecord;
}

/**
 * A function that asks for the object of one call; answers it with its
 * record, or none for a 404.
 */
function _asker(
  definition: StreamDefinition,
  paging: PerCallPaging,
  context: ReaderContext,
  counts: { found: number; missing: number },
): (call: ListedCall, signal?: AbortSignal) => Promise<_Answer> {
  const { client } = context;
  return async (call, signal) => {
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
          `Aircall answered 403 to GET ${path} though the API key reads calls: the account lacks the ${paging.addOn} add-on. Enable it, or deselect ${definition.name}.${
            error.explanation ? ` Aircall said: ${error.explanation}` : ""
          }`,
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
}
