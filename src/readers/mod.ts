/**
 * How each stream is read, per sync mode, as a sequence of events for the
 * engine (`src/read.ts`): records, estimates, checkpoints and notices. The
 * reader is chosen by a stream definition's `paging` and `incremental` data;
 * each paging kind has a module of its own beside this one.
 *
 * @module
 */

import type { StateBlob } from "../protocol.ts";
import type { StreamDefinition, SyncMode } from "../streams/mod.ts";
import { readChildren } from "./children.ts";
import { readFullRefresh } from "./full_refresh.ts";
import { readPerCall } from "./per_call.ts";
import type { ReaderContext, ReadEvent } from "./types.ts";
import { readUpdatedDesc } from "./walk.ts";
import { callSource } from "./call_index.ts";
import { readLookback, SETTLE_SECONDS, windowsPaging } from "./windows.ts";

export type { ReaderContext, ReadEvent };
export { CompactCallIndex } from "./call_index.ts";
export { SETTLE_SECONDS };

/**
 * The events of one stream's read.
 *
 * @param definition The stream.
 * @param mode The configured sync mode.
 * @param context Client, config and the sync's clock.
 * @param state The stream's saved state (ignored in full refresh).
 * @returns Events ending with a checkpoint.
 */
export function readStream(
  definition: StreamDefinition,
  mode: SyncMode,
  context: ReaderContext,
  state: StateBlob | null | undefined,
): AsyncGenerator<ReadEvent> {
  const paging = definition.paging;
  if (paging.kind === "per_call") {
    return readPerCall(
      definition,
      paging,
      mode,
      context,
      state ?? {},
      callSource(paging.parent, context),
    );
  }
  if (paging.kind === "children") {
    return readChildren(definition, paging, context);
  }
  const incremental = definition.incremental;
  if (mode === "full_refresh" || !incremental) {
    return readFullRefresh(definition, context);
  }
  const strategy = incremental.kind === "lookback"
    ? readLookback
    : readUpdatedDesc;
  return strategy(
    definition,
    windowsPaging(definition),
    incremental.cursor,
    context,
    state ?? {},
  );
}
