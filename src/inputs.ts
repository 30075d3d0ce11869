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

/**
 * Reads a JSON file.
 *
 * @param path The file's path.
 * @param what What the file is, for messages ("Config", "Catalog", "State").
 * @returns The parsed value, or `undefined` for an empty file.
 */
export async function readJsonFile(
  path: string,
  what: string,
): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
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
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser's own message quotes file content, which may be a secret.
    _fail(
      `${what} file ${path} is not valid JSON${
        _parsePosition(text, error)
      }; fix its syntax.`,
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
  return chosen.map((definition) => ({
    definition,
    syncMode: supportedSyncModes(definition).includes("incremental")
      ? "incremental"
      : "full_refresh",
  }));
}

/**
 * Reads and validates a configured catalog file.
 *
 * @param path The catalog file's path.
 */
export async function readCatalog(path: string): Promise<ConfiguredStream[]> {
  return parseCatalog(await readJsonFile(path, "Catalog"));
}

const StreamStateMessageSchema = z.object({
  type: z.literal("STREAM").optional(),
  stream: z.object({
    stream_descriptor: z.object({ name: z.string() }),
    stream_state: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
});

/**
 * A saved cursor, validated: unix seconds, or `undefined` for none.
 *
 * @throws {ConnectorError} A `config_error` for a value of the wrong type.
 */
export function savedCursor(
  stream: string,
  state: StateBlob,
  field: string,
): number | undefined {
  const value = state[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new ConnectorError(
      "config_error",
      `State of stream ${stream} has ${field} = ${
        JSON.stringify(value)
      }; it must be unix seconds (a non-negative integer) or null. Reset the stream's state.`,
    );
  }
  return value;
}

/**
 * Validates an input state: a JSON array of per-stream STATE messages.
 * A missing or empty state means "start fresh"; streams this source does not
 * offer are ignored; cursors must be unix seconds or null.
 *
 * @param raw The parsed state file (or `undefined` when there is none).
 * @returns The state blob per stream name.
 */
export function parseState(raw: unknown): InputState {
  const state: InputState = new Map();
  if (raw === undefined || raw === null) return state;
  if (!Array.isArray(raw)) {
    _fail(
      `State must be a JSON array of STREAM state messages, not ${
        _describeType(raw)
      } (a legacy state object is not supported); reset the stream state or pass the last STATE messages.`,
    );
  }
  for (const [index, entry] of raw.entries()) {
    const result = StreamStateMessageSchema.safeParse(entry);
    if (!result.success) {
      _fail(
        `State entry ${index} is not a STREAM state message ({"type": "STREAM", "stream": {"stream_descriptor": {"name": ...}, "stream_state": {...}}}).`,
      );
    }
    const { stream } = result.data;
    const definition = findStream(stream.stream_descriptor.name);
    if (!definition) continue;
    const blob = stream.stream_state ?? null;
    for (const field of _stateFields(definition)) {
      if (blob) savedCursor(definition.name, blob, field);
    }
    state.set(definition.name, blob);
  }
  return state;
}

/** The fields a stream's state may hold: its cursor and window position. */
function _stateFields(definition: StreamDefinition): string[] {
  const fields = definition.incremental ? [definition.incremental.cursor] : [];
  if (definition.paging.kind === "windows") {
    fields.push(definition.paging.field);
  }
  return fields;
}

/**
 * Reads and validates a state file; no path means no state.
 *
 * @param path The state file's path, if any.
 */
export async function readState(path: string | undefined): Promise<InputState> {
  if (path === undefined) return new Map();
  return parseState(await readJsonFile(path, "State"));
}
