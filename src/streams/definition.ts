/**
 * The declarative shape of one Aircall stream: where it lives, how it pages,
 * what identifies a record and how it syncs incrementally. One engine
 * (`src/read.ts`) reads every stream from these definitions.
 *
 * @module
 */

import type { Query } from "../aircall/client.ts";
import type { ObjectSchema } from "../json_schema.ts";

/**
 * How a full read walks the endpoint.
 * - `object`: one object under `key`, no paging (company).
 * - `pages`: every page of the list in the API's default order.
 * - `windows`: `from`/`to` time windows on `field` (unix seconds), split until
 *   each holds fewer records than the API's 10,000-result cap.
 * - `children`: a list (or one object) per record of `parent` (read in
 *   full first): `path` is a template whose `{id}` is the parent's id, e.g.
 *   `/v2/users/{id}/numbers`; each child record is a listed item (or the
 *   object) plus `parentField` holding that id.
 * - `per_call`: one object per call that can have it (Conversation
 *   Intelligence): `path` is a template such as
 *   `/v1/calls/{id}/transcription`, asked once per eligible call of the
 *   `parent` calls list; each record is the object plus `call_id` and
 *   `call_started_at`.
 */
export type Paging =
  | { kind: "object" }
  | { kind: "pages" }
  | {
    kind: "windows";
    /** Record field the API filters `from`/`to` on (unix seconds). */
    field: string;
    /** Whether the API treats `from` as exclusive (calls) or inclusive (contacts). */
    fromExclusive: boolean;
    /** How much history the API serves, in seconds; older windows are skipped. */
    historySeconds?: number;
  }
  | {
    kind: "children";
    /** The stream whose records the lists hang from. */
    parent: StreamDefinition;
    /** Field added to each child record, holding its parent's id. */
    parentField: string;
    /**
     * What each parent's answer holds under `key`: a `list` (read page by
     * page while `meta` names a next page) or one `object`.
     */
    each: "list" | "object";
    /**
     * What a 404 for one parent means: `parent_deleted` (it went away after
     * it was listed: skipped with a warning) or `none` (it has nothing of
     * the kind: no record, nothing to say).
     */
    notFound: "parent_deleted" | "none";
  }
  | {
    kind: "per_call";
    /** The calls stream, whose list says which calls can have the object. */
    parent: StreamDefinition;
    /**
     * Keys the object may come wrapped in, the documented one first (the
     * notes are unsure of some); a body with none of them is the object.
     */
    envelope: readonly string[];
    /** Whether a voicemail can have it, besides an answered, recorded call. */
    voicemails: boolean;
    /** Whether agents or supervisors change it after it is made. */
    mutable: boolean;
    /** The Aircall add-on whose absence a 403 means. */
    addOn: "AI Assist" | "AI Assist Pro";
  };

/**
 * How the stream syncs incrementally.
 * - `lookback`: re-read windows from `cursor - calls_lookback_hours` (calls
 *   change after they end with no update marker).
 * - `updated_desc`: walk `order_by=<cursor>&order=desc` down to the saved
 *   cursor (contacts carry `updated_at`).
 * - `per_call`: go on after the last call whose object was asked for (its
 *   `started_at` is the cursor, its id breaks ties); mutable objects are
 *   asked again for the calls of `ai_lookback_days` before it.
 */
export type Incremental =
  | { kind: "lookback"; cursor: string }
  | { kind: "updated_desc"; cursor: string }
  | { kind: "per_call"; cursor: string };

/** One stream, as data. */
export interface StreamDefinition {
  /** Stream name in the catalog. */
  name: string;
  /** API path, e.g. `/v1/calls`. */
  path: string;
  /** Key of the list (or object) in the response envelope. */
  key: string;
  /** Top-level fields that together identify a record. */
  primaryKey: readonly string[];
  /** Record schema, as published in the catalog. */
  schema: ObjectSchema;
  /** How a full read walks the endpoint. */
  paging: Paging;
  /** Query parameters sent with every list request of the stream. */
  query?: Query;
  /** Present on streams that support incremental sync. */
  incremental?: Incremental;
  /**
   * Present on streams left out of the default selection (`sync` and
   * `discover --configured` without `--streams`): why each costs enough to
   * be asked for by name or with `all`, e.g. "one request per call".
   */
  optIn?: string;
  /** Fields dropped from every record before it leaves the connector (secrets). */
  omit?: readonly string[];
  /** Why the stream syncs the way it does, for the README and the catalog. */
  description: string;
}

/**
 * The one field that identifies a record, for reads that tell records apart
 * by id (windows re-read, the contacts walk, a parent of children).
 *
 * @param definition A stream keyed by a single field.
 * @returns That field.
 * @throws {Error} For a composite primary key.
 */
export function idField(definition: StreamDefinition): string {
  const [field, ...rest] = definition.primaryKey;
  if (field === undefined || rest.length > 0) {
    throw new Error(
      `${definition.name}: primary key ${definition.primaryKey} is not one field`,
    );
  }
  return field;
}

/**
 * The path of one parent's request in a fan-out stream: `path` with its
 * `{id}` filled.
 *
 * @param definition A stream whose path is a template.
 * @param id The parent's id.
 * @returns e.g. `/v2/users/1000011/numbers`.
 */
export function pathFor(definition: StreamDefinition, id: unknown): string {
  return definition.path.replace("{id}", encodeURIComponent(String(id)));
}
