/**
 * Streams read as one list or one object per record of a parent stream
 * (user_numbers, the Power Dialer's campaigns and queues): the parent is read
 * in full first, then each parent's list or object, a few at a time.
 *
 * @module
 */

import { fanOut } from "../aircall/fanout.ts";
import { type ApiRecord, pages } from "../aircall/pages.ts";
import { HttpError } from "../errors.ts";
import { idField, pathFor } from "../streams/definition.ts";
import type { StreamDefinition } from "../streams/mod.ts";
import { listOf, objectIn, readFullRefresh } from "./full_refresh.ts";
import type { ChildrenPaging, ReaderContext, ReadEvent } from "./types.ts";

/**
 * Parents whose lists are requested at once. Small: the scheduler paces
 * every request anyway; this only keeps a slow answer from holding the
 * next ones back when the pace allows more.
 */
const CHILDREN_IN_FLIGHT = 4;

/**
 * Reads the parent stream in full, then each parent's list (every page) or
 * object, in parent order. A 404 is no record; a warning too where the
 * paging says it means the parent was deleted after it was listed.
 *
 * @param definition The child stream.
 * @param paging Its paging.
 * @param context Client, config and the sync's clock.
 * @returns Events ending with an empty checkpoint.
 */
export async function* readChildren(
  definition: StreamDefinition,
  paging: ChildrenPaging,
  context: ReaderContext,
): AsyncGenerator<ReadEvent> {
  const parentId = idField(paging.parent);
  // The parent read's own warnings (a list cut by the cap) concern these
  // records too; they are passed on between the children's.
  const warnings: string[] = [];
  async function* parents(): AsyncGenerator<unknown> {
    for await (const event of readFullRefresh(paging.parent, context)) {
      if (event.kind === "records") {
        for (const record of event.records) yield record[parentId];
      } else if (event.kind === "warning") {
        warnings.push(event.message);
      }
    }
  }
  const lists = fanOut(
    parents(),
    (id, signal) => _childList(definition, paging, context, id, signal),
    CHILDREN_IN_FLIGHT,
  );
  for await (const { path, records } of lists) {
    for (const message of warnings.splice(0)) {
      yield { kind: "warning", message };
    }
    if (records === undefined) {
      if (paging.notFound === "none") continue;
      yield {
        kind: "warning",
        message:
          `GET ${path} answered 404: the ${paging.parent.name} record was deleted after it was listed; its ${definition.name} are skipped.`,
      };
    } else if (records.length > 0) {
      yield { kind: "records", records };
    }
  }
  for (const message of warnings) yield { kind: "warning", message };
  yield { kind: "checkpoint", state: {} };
}

/**
 * Every page of one parent's list, or its object, each record with the
 * parent's id added; `undefined` records on a 404.
 */
async function _childList(
  definition: StreamDefinition,
  paging: ChildrenPaging,
  context: ReaderContext,
  id: unknown,
  signal: AbortSignal,
): Promise<{ path: string; records?: ApiRecord[] }> {
  const path = pathFor(definition, id);
  const list = listOf(definition, path);
  const records: ApiRecord[] = [];
  try {
    if (paging.each === "object") {
      const body = await context.client.get(path, list.query, signal);
      const record = objectIn(body, definition.key, path);
      record[paging.parentField] = id;
      return { path, records: [record] };
    }
    for await (const page of pages(context.client, list, { signal })) {
      for (const item of page.items) {
        item[paging.parentField] = id;
        records.push(item);
      }
    }
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return { path };
    throw error;
  }
  return { path, records };
}
