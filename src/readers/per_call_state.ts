/**
 * The saved state of a per-call stream: where every call is settled, what
 * the last sync decided after that, and which calls after it already gave
 * their object.
 *
 * ```json
 * {"call_started_at": 1700000000, "call_id": 812,
 *  "asked_to": [1700090000, 955], "asked_at": 1700093600,
 *  "found": [820, 3, 41]}
 * ```
 *
 * - `call_started_at`/`call_id`: every call up to this one, in
 *   `(started_at, id)` order, is settled: its object was delivered, or it
 *   answered 404 (or could not have one) after `ai_settle_hours`. The state
 *   of earlier versions holds only these two and means the same.
 * - `asked_to`/`asked_at`: every call up to `asked_to` was considered by the
 *   sync whose now was `asked_at`; later syncs ask a call it found without
 *   an object again only when the call's age crosses the next step of its
 *   back-off (1, 2, 4, 8... hours after it ended, and `ai_settle_hours`).
 * - `found`: the calls after the settled position whose object was
 *   delivered, never asked again for an object that never changes; their
 *   ids ascending, each after the first as the difference to the previous
 *   (short numbers: call ids are dense), at most {@linkcode MAX_FOUND}.
 *
 * @module
 */

import { ConnectorError } from "../errors.ts";
import { CALL_ID, savedCursor, savedId } from "../inputs.ts";
import type { StateBlob } from "../protocol.ts";

/** A place in the calls' `(started_at, id)` order. */
export interface Position {
  startedAt: number;
  id: number;
}

/**
 * Most calls past the settled position kept as found: about two days of a
 * busy company's calls. Past it, the oldest are forgotten (and asked again,
 * delivered twice rather than lost) with a warning.
 */
export const MAX_FOUND = 4_000;

/** A position before every call of its second: no call id saved. */
export const BEFORE_EVERY_ID = -1;

/** What a per-call stream's state says. */
export interface PerCallState {
  /** Every call up to here is settled. */
  settled?: Position;
  /** Every call up to here was considered by the sync at `askedAt`. */
  askedTo?: Position;
  /** That sync's now, unix seconds. */
  askedAt?: number;
  /** Calls after `settled` whose object was delivered. */
  found: Set<number>;
}

/** Orders positions: calls by `(started_at, id)`. */
export const byPosition = (a: Position, b: Position): number =>
  a.startedAt - b.startedAt || a.id - b.id;

function _invalid(stream: string, field: string, value: unknown): never {
  throw new ConnectorError(
    "config_error",
    `State of stream ${stream} has ${field} = ${
      JSON.stringify(value)
    }, which this connector did not write. Reset the stream's state.`,
  );
}

const _isId = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Reads a saved state; one without `call_id` (written by hand) settles
 * none of the calls of its second.
 *
 * @param stream The stream's name, for messages.
 * @param state The saved state.
 * @returns What it says.
 * @throws {ConnectorError} A `config_error` for a field it cannot hold.
 */
export function parsePerCallState(
  stream: string,
  state: StateBlob,
): PerCallState {
  const startedAt = savedCursor(stream, state, "call_started_at");
  const settled = startedAt === undefined ? undefined : {
    startedAt,
    id: savedId(stream, state, CALL_ID) ?? BEFORE_EVERY_ID,
  };
  const result: PerCallState = { settled, found: new Set() };
  const { asked_to: askedTo, asked_at: askedAt, found } = state;
  if (askedTo !== undefined) {
    if (
      !Array.isArray(askedTo) || askedTo.length !== 2 ||
      !askedTo.every(_isId) || !_isId(askedAt)
    ) {
      _invalid(stream, "asked_to", askedTo);
    }
    result.askedTo = { startedAt: askedTo[0], id: askedTo[1] };
    result.askedAt = askedAt;
  }
  if (found !== undefined) {
    if (!Array.isArray(found) || !found.every(_isId)) {
      _invalid(stream, "found", found);
    }
    let id = 0;
    for (const delta of found) result.found.add(id += delta);
  }
  return result;
}

/**
 * The state to save.
 *
 * @param state What to say; `found` holds only calls after `settled`.
 * @returns The blob.
 */
export function perCallStateBlob(state: PerCallState): StateBlob {
  const { settled, askedTo, askedAt } = state;
  const blob: StateBlob = settled
    ? {
      call_started_at: settled.startedAt,
      [CALL_ID]: settled.id === BEFORE_EVERY_ID ? null : settled.id,
    }
    : {};
  if (askedTo && askedAt !== undefined) {
    blob.asked_to = [askedTo.startedAt, askedTo.id];
    blob.asked_at = askedAt;
  }
  if (state.found.size > 0) {
    const ids = [...state.found].sort((a, b) => a - b);
    blob.found = ids.map((id, i) => i === 0 ? id : id - ids[i - 1]);
  }
  return blob;
}
