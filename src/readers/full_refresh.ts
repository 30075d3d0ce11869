/**
 * Full reads of the streams that need no other stream: one object
 * (company), every page of a list, or every window of a windowed list.
 *
 * @module
 */

import {
  type ApiRecord,
  isCutByCap,
  type ListQuery,
  pages,
  RESULT_CAP,
} from "../aircall/pages.ts";
import { ConnectorError } from "../errors.ts";
import type { StreamDefinition } from "../streams/mod.ts";
import type { ReaderContext, ReadEvent } from "./types.ts";
import { readWindowed, startSecond } from "./windows.ts";

/**
 * The events of a full read of an `object`, `pages` or `windows` stream.
 *
 * @param definition The stream.
 * @param context Client, config and the sync's clock.
 * @returns Events ending with an empty checkpoint.
 * @throws {Error} For a stream whose paging needs another stream's records.
 */
export async function* readFullRefresh(
  definition: StreamDefinition,
  context: ReaderContext,
): AsyncGenerator<ReadEvent> {
  const paging = definition.paging;
  if (paging.kind === "object") {
    yield* _object(definition, context);
  } else if (paging.kind === "pages") {
    yield* _allPages(definition, context);
  } else if (paging.kind === "windows") {
    yield* readWindowed(
      definition,
      paging,
      context,
      startSecond(paging, context),
      () => undefined,
    );
  } else {
    throw new Error(
      `${definition.name}: a ${paging.kind} stream is read from its parent's records`,
    );
  }
  yield { kind: "checkpoint", state: {} };
}

/**
 * The stream's list query, at its path or a path filled from its template.
 *
 * @param definition The stream.
 * @param path The path to list, when the stream's is a template.
 * @returns The query for {@linkcode pages}.
 */
export function listOf(
  definition: StreamDefinition,
  path: string = definition.path,
): ListQuery {
  return { path, key: definition.key, query: definition.query ?? {} };
}

async function* _object(
  definition: StreamDefinition,
  context: ReaderContext,
): AsyncGenerator<ReadEvent> {
  const body = await context.client.get(definition.path);
  const item = objectIn(body, definition.key, definition.path);
  yield { kind: "estimate", rows: 1 };
  yield { kind: "records", records: [item] };
}

/**
 * The object an answer holds under `key`.
 *
 * @param body The answer's body.
 * @param key The envelope key, e.g. `company`.
 * @param path The path asked, for the error.
 * @returns The object.
 * @throws {ConnectorError} A `system_error` when there is none: the API changed.
 */
export function objectIn(body: unknown, key: string, path: string): ApiRecord {
  const item = (body as Record<string, unknown> | null)?.[key];
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new ConnectorError(
      "system_error",
      `Aircall's answer to ${path} has no "${key}" object; the API may have changed.`,
    );
  }
  return item as ApiRecord;
}

async function* _allPages(
  definition: StreamDefinition,
  context: ReaderContext,
): AsyncGenerator<ReadEvent> {
  for await (const page of pages(context.client, listOf(definition))) {
    if (page.number === 1 && page.total !== undefined) {
      yield { kind: "estimate", rows: page.total };
    }
    if (page.items.length > 0) yield { kind: "records", records: page.items };
    if (isCutByCap(page)) {
      yield {
        kind: "warning",
        message: `Aircall reports ${
          page.total ?? "more than " + RESULT_CAP
        } ${definition.name} but serves only the first ${RESULT_CAP} of a list; the rest cannot be read.`,
      };
    }
  }
}
