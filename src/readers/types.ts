/**
 * What every reader shares: the events a reader yields to the engine and the
 * context of one run. Types only, so each reader module stands alone.
 *
 * @module
 */

import type { AircallClient } from "../aircall/client.ts";
import type { ApiRecord } from "../aircall/pages.ts";
import type { StateBlob } from "../protocol.ts";
import type { Config } from "../spec.ts";
import type { StreamDefinition } from "../streams/mod.ts";

/** What a stream reader yields. */
export type ReadEvent =
  | { kind: "estimate"; rows: number }
  | { kind: "records"; records: ApiRecord[] }
  | { kind: "checkpoint"; state: StateBlob }
  | { kind: "info"; message: string }
  | { kind: "warning"; message: string };

/** What the per-call streams need of a call, as the calls list gave it. */
export interface ListedCall {
  id: number;
  startedAt: number;
  endedAt: number | null;
  /** Answered, with a recording. */
  recorded: boolean;
  voicemail: boolean;
}

/**
 * The calls one run has listed, compact, and which seconds they cover:
 * whoever lists the calls (the calls stream, a per-call stream) fills it,
 * and the per-call streams read it instead of listing again.
 */
export interface CallIndex {
  /** The stream whose list it holds (calls). */
  readonly parent: StreamDefinition;
  /** Keeps what the per-call streams need of these records. */
  add(records: readonly ApiRecord[]): void;
  /** Says every call started in `[lo, hi]` was added. */
  cover(lo: number, hi: number): void;
  /** The end of the covered range holding `second`, if one does. */
  coveredTo(second: number): number | undefined;
  /** The first covered second after `second`, if any. */
  nextCovered(second: number): number | undefined;
  /** The calls started in `[lo, hi]`, in `(started_at, id)` order. */
  calls(lo: number, hi: number): ListedCall[];
}

/** What every reader of one run shares. */
export interface ReaderContext {
  client: AircallClient;
  config: Config;
  /** The sync's "now", unix seconds: no window reads past it. */
  now: number;
  /** The calls listed so far, when per-call streams are read. */
  callIndex?: CallIndex;
}

/** The paging of a stream read by time windows. */
export type WindowsPaging = Extract<
  StreamDefinition["paging"],
  { kind: "windows" }
>;

/** The paging of a stream read as one list per parent record. */
export type ChildrenPaging = Extract<
  StreamDefinition["paging"],
  { kind: "children" }
>;

/** The paging of a stream read as one object per call. */
export type PerCallPaging = Extract<
  StreamDefinition["paging"],
  { kind: "per_call" }
>;
