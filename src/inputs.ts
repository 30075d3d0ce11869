/**
 * Reading and validating the JSON files a verb is given: config, catalog and
 * state. Every failure is a {@linkcode ConnectorError} of type `config_error`
 * with one line that says what is wrong and what to do.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ConnectorError, permissionError, UsageError } from "./errors.ts";
import { readNumber } from "./numeric.ts";
import { closest } from "./suggest.ts";
import { type Config, ConfigSchema } from "./spec.ts";
import type { StateBlob } from "./protocol.ts";
import {
  findStream,
  type StreamDefinition,
  STREAMS,
  supportedSyncModes,
  type SyncMode,
} from "./streams/mod.ts";

/** One stream of the configured catalog, resolved to its definition. */
export interface ConfiguredStream {
  definition: StreamDefinition;
  syncMode: SyncMode;
}

/** Saved state per stream name; `null` means "start fresh". */
export type InputState = Map<string, StateBlob | null>;

function _fail(message: string): never {
  throw new ConnectorError("config_error", message);
}

function _describeType(value: unknown): string {
  if (value === undefined) return "an empty file";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Where a JSON.parse failure happened, as "line L, column C", without content. */
function _parsePosition(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(String(error));
  if (!match) return "";
  const before = text.slice(0, Number(match[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return ` at line ${line}, column ${column}`;
}

/** Says where a file is not JSON, never quoting it (it may hold a secret). */
function _notJson(
  what: string,
  path: string,
  text: string,
  error: unknown,
): never {
  _fail(
    `${what} file ${path} is not valid JSON${
      _parsePosition(text, error)
    }; fix its syntax.`,
  );
}

/**
 * Reads a JSON file.
 *
 * @param path The file's path.
 * @param what What the file is, for messages ("Config", "Catalog").
 * @returns The parsed value, or `undefined` for an empty file.
 */
export async function readJsonFile(
  path: string,
  what: string,
): Promise<unknown> {
  const text = await _readText(path, what);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    _notJson(what, path, text, error);
  }
}

/** A file's text; a clear config_error when it cannot be read. */
async function _readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const denied = permissionError(error);
    if (denied) throw denied;
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") {
      _fail(`${what} file ${path} does not exist; check the path.`);
    }
    if (code === "EISDIR") {
      _fail(`${what} file ${path} is a directory; pass a JSON file.`);
    }
    _fail(
      `${what} file ${path} cannot be read (${
        code ?? (error as Error).name
      }); check its permissions.`,
    );
  }
}

function _issuesLine(error: z.ZodError, input: unknown): string {
  return error.issues.map((issue) => {
    const path = issue.path.join(".");
    let parent: unknown = input;
    for (const key of issue.path) {
      parent = (parent as Record<PropertyKey, unknown> | undefined)?.[key];
    }
    return parent === undefined && path ? `${path} is required` : issue.message;
  }).join("; ");
}

/**
 * Validates a config object.
 *
 * @param raw The parsed config file.
 * @param now The current time in epoch milliseconds (a future start_date is refused).
 * @returns The config with defaults applied; unknown keys are dropped.
 */
export function parseConfig(raw: unknown, now: number): Config {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    _fail(
      `Config must be a JSON object, not ${_describeType(raw)}; see the spec.`,
    );
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    _fail(`Config is invalid: ${_issuesLine(result.error, raw)}.`);
  }
  if (Date.parse(result.data.start_date) > now) {
    _fail(
      `Config is invalid: start_date ${result.data.start_date} is in the future; set a moment in the past.`,
    );
  }
  return result.data;
}

const ConfiguredCatalogSchema = z.object({
  streams: z.array(z.object({
    stream: z.object({ name: z.string() }),
    sync_mode: z.string(),
  })),
});

/**
 * Validates a configured catalog against the streams this source offers.
 *
 * @param raw The parsed catalog file.
 * @returns The configured streams, in catalog order.
 */
export function parseCatalog(raw: unknown): ConfiguredStream[] {
  const result = ConfiguredCatalogSchema.safeParse(raw);
  if (!result.success) {
    _fail(
      `Catalog must be a configured catalog: an object with a "streams" array of {stream: {name}, sync_mode}.`,
    );
  }
  if (result.data.streams.length === 0) {
    _fail("Catalog has no streams; select at least one stream.");
  }
  const seen = new Set<string>();
  return result.data.streams.map(({ stream, sync_mode }) => {
    const definition = findStream(stream.name);
    if (!definition) {
      _fail(
        `Catalog names a stream this source does not have: ${
          JSON.stringify(stream.name)
        }; run discover for the list.`,
      );
    }
    if (seen.has(stream.name)) {
      _fail(`Catalog lists stream ${stream.name} twice; keep one entry.`);
    }
    seen.add(stream.name);
    const modes = supportedSyncModes(definition);
    if (!(modes as string[]).includes(sync_mode)) {
      _fail(
        `Catalog asks for sync_mode ${
          JSON.stringify(sync_mode)
        } on stream ${stream.name}, which supports ${modes.join(" and ")}.`,
      );
    }
    return { definition, syncMode: sync_mode as SyncMode };
  });
}

/**
 * The configured streams of `--streams`: a comma-separated list of stream
 * names, or `all` for every stream the connector offers. Each syncs
 * incrementally where it can, in full otherwise; the catalog's order holds.
 *
 * @param list The option's value, e.g. `calls,contacts` or `all`.
 * @returns The configured streams, in catalog order.
 * @throws {UsageError} For an unknown name (naming the closest) or an empty list.
 *
 * @example
 * ```ts
 * selectStreams("contacts,calls"); // calls then contacts, both incremental
 * ```
 */
export function selectStreams(list: string): ConfiguredStream[] {
  const names = list.split(",").map((name) => name.trim()).filter((name) =>
    name !== ""
  );
  const valid = STREAMS.map((stream) => stream.name);
  if (names.length === 0) {
    throw new UsageError(
      `--streams is empty; name streams (${valid.join(",")}) or all.`,
    );
  }
  for (const name of names) {
    if (name === "all" || findStream(name)) continue;
    const guess = closest(name, [...valid, "all"]);
    throw new UsageError(
      `Unknown stream "${name}" in --streams${
        guess ? `; did you mean ${guess}?` : "."
      } Valid streams: ${valid.join(", ")} (or all).`,
    );
  }
  const chosen = names.includes("all")
    ? STREAMS
    : STREAMS.filter((stream) => names.includes(stream.name));
  return chosen.map(_configured);
}

/** A stream read incrementally where it can, in full otherwise. */
function _configured(definition: StreamDefinition): ConfiguredStream {
  return {
    definition,
    syncMode: supportedSyncModes(definition).includes("incremental")
      ? "incremental"
      : "full_refresh",
  };
}

/**
 * The streams taken when `--streams` is not given (`sync`, `discover
 * --configured`): every stream but those that cost enough to be asked for
 * by name or with `all` (their definition's `optIn`, e.g. one request per
 * call), each as {@linkcode selectStreams} configures it.
 *
 * @returns The default streams, in catalog order.
 */
export function defaultStreams(): ConfiguredStream[] {
  return STREAMS.filter((stream) => stream.optIn === undefined).map(
    _configured,
  );
}

/**
 * Reads and validates a configured catalog file.
 *
 * @param path The catalog file's path.
 */
export async function readCatalog(path: string): Promise<ConfiguredStream[]> {
  return parseCatalog(await readJsonFile(path, "Catalog"));
}

/** A STREAM state message, its state not looked at (see {@linkcode parseState}). */
const StreamStateMessageSchema = z.object({
  type: z.literal("STREAM").optional(),
  stream: z.object({
    stream_descriptor: z.object({ name: z.string() }),
    stream_state: z.unknown(),
  }),
});

/** The state of a stream read incrementally: an object, or none. */
const StreamStateSchema = z.record(z.string(), z.unknown()).nullable()
  .optional();

/** The latest second a cursor may name: 9999-12-31T23:59:59Z. */
const LAST_SECOND = 253_402_300_799;

/**
 * A saved cursor, as unix seconds: integers as they are, numeric strings
 * read as numbers, fractions floored, values above 10^12 taken as
 * milliseconds.
 *
 * @param stream The stream's name, for the message.
 * @param state The stream's saved state.
 * @param field The cursor's field.
 * @returns Unix seconds, or `undefined` for none (absent or null).
 * @throws {ConnectorError} A `config_error` naming the stream and the value
 *   for anything else.
 */
export function savedCursor(
  stream: string,
  state: StateBlob,
  field: string,
): number | undefined {
  return _savedNumber(
    stream,
    state,
    field,
    (number) => {
      const seconds = Math.floor(number > 1e12 ? number / 1000 : number);
      return seconds >= 0 && seconds <= LAST_SECOND ? seconds : undefined;
    },
    "a time; it must be unix seconds or milliseconds (a number or a numeric string) or null",
  );
}

/**
 * A saved id (the last call a per-call stream asked for): a non-negative
 * integer, or a numeric string read as one.
 *
 * @param stream The stream's name, for the message.
 * @param state The stream's saved state.
 * @param field The id's field.
 * @returns The id, or `undefined` for none (absent or null).
 * @throws {ConnectorError} A `config_error` naming the stream and the value
 *   for anything else.
 */
export function savedId(
  stream: string,
  state: StateBlob,
  field: string,
): number | undefined {
  return _savedNumber(
    stream,
    state,
    field,
    (id) => Number.isSafeInteger(id) && id >= 0 ? id : undefined,
    "an id; it must be a non-negative integer or null",
  );
}

/**
 * A number of a saved state, as `accept` takes it; `undefined` when absent
 * or null; a `config_error` naming the stream and the value otherwise.
 */
function _savedNumber(
  stream: string,
  state: StateBlob,
  field: string,
  accept: (number: number) => number | undefined,
  what: string,
): number | undefined {
  const value = state[field];
  if (value === undefined || value === null) return undefined;
  const number = readNumber(value);
  const accepted = number === undefined ? undefined : accept(number);
  if (accepted === undefined) {
    throw new ConnectorError(
      "config_error",
      `State of stream ${stream} has ${field} = ${
        JSON.stringify(value)
      }, which is not ${what}. Reset the stream's state.`,
    );
  }
  return accepted;
}

/**
 * What to say of a saved cursor in the future. Such a cursor still bounds
 * what is read (a far-future state reads nothing), but the state saved next
 * never holds a moment that has not happened yet.
 *
 * @returns A warning, or `undefined` when the cursor is not in the future.
 */
export function futureCursor(
  stream: string,
  field: string,
  cursor: number,
  now: number,
): string | undefined {
  if (cursor <= now) return undefined;
  return `Saved ${stream} cursor ${field} = ${cursor} is in the future; reading up to now (${now}) and saving now as the cursor.`;
}

/** How a state file may be written, for messages. */
const STATE_FORMS =
  "a JSON array (or JSON lines) of STREAM state messages or of the STATE messages read prints";

/** One entry of a state file as a STREAM state message, or `undefined`. */
function _streamState(entry: unknown) {
  const message = entry as { type?: unknown; state?: unknown } | null;
  const inner = message?.type === "STATE" ? message.state : entry;
  const result = StreamStateMessageSchema.safeParse(inner);
  return result.success ? result.data.stream : undefined;
}

/**
 * Validates an input state. A state file holds STREAM state messages (what
 * the platform passes) or whole STATE messages (what `read` prints), as a
 * JSON array or JSON lines; for each stream the last one wins. `null`, `{}`,
 * `[]` and an empty file mean no state. Only the streams read incrementally
 * use theirs: their cursors are checked and normalized (see
 * {@linkcode savedCursor}); every other stream's state is ignored, whatever
 * it holds.
 *
 * @param raw The parsed state file (or `undefined` when there is none).
 * @param streams The configured catalog.
 * @returns The state blob per stream read incrementally.
 */
export function parseState(
  raw: unknown,
  streams: readonly ConfiguredStream[],
): InputState {
  const state: InputState = new Map();
  if (raw === undefined || raw === null) return state;
  let entries: unknown[];
  if (Array.isArray(raw)) {
    entries = raw;
  } else if (typeof raw === "object" && Object.keys(raw).length === 0) {
    entries = [];
  } else if (_streamState(raw)) {
    entries = [raw];
  } else {
    _fail(
      `State must be ${STATE_FORMS}, not ${
        _describeType(raw)
      }; a legacy per-stream state object is not supported: reset the state or pass the last STATE messages (see the README).`,
    );
  }
  const latest = new Map<string, unknown>();
  for (const [index, entry] of entries.entries()) {
    const stream = _streamState(entry);
    if (!stream) {
      _fail(
        `State entry ${index} is not a STREAM state message; the state must be ${STATE_FORMS}.`,
      );
    }
    latest.set(stream.stream_descriptor.name, stream.stream_state);
  }
  for (const { definition, syncMode } of streams) {
    if (syncMode !== "incremental" || !latest.has(definition.name)) continue;
    const result = StreamStateSchema.safeParse(latest.get(definition.name));
    if (!result.success) {
      _fail(
        `State of stream ${definition.name} is ${
          _describeType(latest.get(definition.name))
        }, not an object; reset the stream's state or pass its last STATE message.`,
      );
    }
    const blob = result.data ?? null;
    if (blob === null) {
      state.set(definition.name, null);
      continue;
    }
    const normalized: StateBlob = { ...blob };
    const { cursors, ids } = _stateFields(definition);
    for (const field of cursors) {
      const cursor = savedCursor(definition.name, blob, field);
      if (cursor !== undefined) normalized[field] = cursor;
    }
    for (const field of ids) {
      const id = savedId(definition.name, blob, field);
      if (id !== undefined) normalized[field] = id;
    }
    state.set(definition.name, normalized);
  }
  return state;
}

/**
 * The fields a stream's state may hold: cursors (its cursor, its window
 * position) and ids (the last call a per-call stream asked for).
 */
function _stateFields(
  definition: StreamDefinition,
): { cursors: string[]; ids: string[] } {
  const cursors = definition.incremental ? [definition.incremental.cursor] : [];
  if (definition.paging.kind === "windows") {
    cursors.push(definition.paging.field);
  }
  const ids = definition.paging.kind === "per_call" ? [CALL_ID] : [];
  return { cursors, ids };
}

/** The state field holding the last call a per-call stream asked for. */
export const CALL_ID = "call_id";

/**
 * Reads a state file: JSON, or JSON lines (one message per line, as
 * `grep '^{"type":"STATE"'` keeps them from `read`'s output). No path
 * means no state.
 *
 * @param path The state file's path, if any.
 * @param streams The configured catalog.
 */
export async function readState(
  path: string | undefined,
  streams: readonly ConfiguredStream[],
): Promise<InputState> {
  if (path === undefined) return new Map();
  const text = await _readText(path, "State");
  return parseState(_parseJsonOrLines(text, path), streams);
}

/** JSON, or JSON lines read as an array; `undefined` for a blank file. */
function _parseJsonOrLines(text: string, path: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    if (lines.length > 1) {
      try {
        return lines.map((line) => JSON.parse(line));
      } catch {
        // Neither: report the position of the first error as JSON.
      }
    }
    _notJson("State", path, text, error);
  }
}
