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

/** What every reader of one run shares. */
export interface ReaderContext {
  client: AircallClient;
  config: Config;
  /** The sync's "now", unix seconds: no window reads past it. */
  now: number;
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
