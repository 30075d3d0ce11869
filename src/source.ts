/**
 * The four Airbyte verbs — spec, check, discover, read — as functions of
 * already-validated inputs that write protocol messages.
 *
 * @module
 */

import type { HeldCheckpoint } from "./state_pacer.ts";
import { AircallClient } from "./aircall/client.ts";
import { Scheduler } from "./aircall/scheduler.ts";
import { ConnectorError } from "./errors.ts";
import type { ConfiguredStream, InputState } from "./inputs.ts";
import type { ReadObserver } from "./progress.ts";
import type { MessageWriter } from "./protocol.ts";
import { readStreams, type StreamFailure } from "./read.ts";
import { CompactCallIndex } from "./readers/mod.ts";
import {
  type Config,
  CONNECTION_SPECIFICATION,
  DOCUMENTATION_URL,
} from "./spec.ts";
import {
  type StreamDefinition,
  STREAMS,
  supportedSyncModes,
} from "./streams/mod.ts";

/** What the verbs need from outside: the API origin and the clock. */
export interface SourceContext {
  /** API origin (`AIRCALL_API_URL`, default `https://api.aircall.io`). */
  apiUrl: string;
  /** Epoch milliseconds. */
  now: () => number;
  /** Where messages go. */
  writer: MessageWriter;
  /** Told of a read's progress (a terminal, the LOG reporter). */
  observer?: ReadObserver;
  /** Log every request as a DEBUG LOG line (`--debug`). */
  debug?: boolean;
  /** Least time between two STATEs of one stream, in ms (default a minute). */
  stateIntervalMs?: number;
  /** Where a stop signal finds the running stream's held checkpoint. */
  held?: HeldCheckpoint;
}

/** How long `check` waits for Aircall, retries included, in ms. */
export const CHECK_DEADLINE_MS = 10_000;

/** The SPEC message's payload: the config fields, secrets marked. */
export function spec(): Record<string, unknown> {
  return {
    documentationUrl: DOCUMENTATION_URL,
    connectionSpecification: CONNECTION_SPECIFICATION,
    supportsIncremental: true,
    supported_destination_sync_modes: ["overwrite", "append", "append_dedup"],
  };
}

/** One stream of the catalog (an AirbyteStream). */
function _catalogStream(definition: StreamDefinition): Record<string, unknown> {
  return {
    name: definition.name,
    json_schema: definition.schema,
    supported_sync_modes: supportedSyncModes(definition),
    source_defined_primary_key: definition.primaryKey.map((field) => [field]),
    is_resumable: definition.incremental !== undefined,
    ...(definition.incremental
      ? {
        source_defined_cursor: true,
        default_cursor_field: [definition.incremental.cursor],
      }
      : {}),
  };
}

/**
 * The catalog, as `discover` prints it.
 *
 * @param streams The streams to list (default: all).
 */
export function catalog(
  streams: readonly StreamDefinition[] = STREAMS,
): Record<string, unknown> {
  return { streams: streams.map(_catalogStream) };
}

/**
 * A configured catalog, as `read --catalog` takes it: each stream with its
 * sync mode, and the destination mode that keeps one row per record
 * (`append_dedup` for incremental, `overwrite` for full refresh).
 *
 * @param streams The configured streams.
 * @returns A ConfiguredAirbyteCatalog.
 */
export function configuredCatalog(
  streams: readonly ConfiguredStream[],
): Record<string, unknown> {
  return {
    streams: streams.map(({ definition, syncMode }) => ({
      stream: _catalogStream(definition),
      sync_mode: syncMode,
      ...(syncMode === "incremental"
        ? {
          cursor_field: [definition.incremental!.cursor],
          destination_sync_mode: "append_dedup",
          primary_key: definition.primaryKey.map((field) => [field]),
        }
        : { destination_sync_mode: "overwrite" }),
    })),
  };
}

/**
 * A client for one run: paced at `max_requests_per_minute`, each retry
 * logged, and each rate-limit wait reported on the stream being read.
 */
function _client(
  config: Config,
  context: SourceContext,
  currentStream: () => string | undefined = () => undefined,
  deadlineMs?: number,
): AircallClient {
  const { writer, now, observer, debug } = context;
  return new AircallClient({
    baseUrl: context.apiUrl,
    apiId: config.api_id,
    apiToken: config.api_token,
    scheduler: new Scheduler(config.max_requests_per_minute),
    now,
    deadlineMs,
    onResponse: async (response) => {
      if (debug) {
        await writer.log(
          "DEBUG",
          `${response.request} -> ${
            response.status ?? response.failure
          } (attempt ${response.attempt}, ${response.ms} ms)`,
        );
      }
      await observer?.requested();
    },
    onRetry: async (retry) => {
      const seconds = (retry.waitMs / 1000).toFixed(1);
      if (retry.rateLimited) {
        await writer.log(
          "WARN",
          `Aircall's rate limit was reached on ${retry.request}; waiting ${seconds} s for it to reset.`,
        );
        await observer?.rateLimited(retry.waitMs);
        const stream = currentStream();
        if (stream) {
          await writer.streamStatus(stream, "RUNNING", [{
            type: "RATE_LIMITED",
            rate_limited: { quota_reset: now() + retry.waitMs },
          }]);
        }
      } else {
        await writer.log(
          "WARN",
          `${retry.request} failed (${retry.reason}); retry ${retry.attempt} in ${seconds} s.`,
        );
      }
      await writer.flush();
    },
  });
}

/**
 * `check`: one request to `GET /v1/ping`, one CONNECTION_STATUS; it gives
 * up within {@linkcode CHECK_DEADLINE_MS}.
 *
 * @param config A validated config.
 * @param context Origin, clock and writer.
 */
export async function check(
  config: Config,
  context: SourceContext,
): Promise<void> {
  try {
    await _client(config, context, undefined, CHECK_DEADLINE_MS)
      .get("/v1/ping");
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    return context.writer.connectionStatus("FAILED", error.message);
  }
  await context.writer.connectionStatus("SUCCEEDED");
}

/**
 * `read`: every configured stream, in catalog order.
 *
 * @returns The streams that failed (empty when all completed).
 */
export function read(
  config: Config,
  streams: readonly ConfiguredStream[],
  state: InputState,
  context: SourceContext,
): Promise<StreamFailure[]> {
  let current: string | undefined;
  const { observer } = context;
  const parent = _callsParent(streams);
  return readStreams(
    readOrder(streams),
    state,
    {
      client: _client(config, context, () => current),
      config,
      now: Math.floor(context.now() / 1000),
      callIndex: parent && new CompactCallIndex(parent),
    },
    context.writer,
    {
      streamStarted: (stream) => {
        current = stream;
        return observer?.streamStarted(stream);
      },
      estimate: (rows) => observer?.estimate(rows),
      records: (count) => observer?.records(count),
      streamEnded: (status) => observer?.streamEnded(status),
      note: (level, message) => observer?.note(level, message),
    },
    {
      now: context.now,
      stateIntervalMs: context.stateIntervalMs,
      held: context.held,
    },
  );
}

/** The stream the selected per-call streams list calls from, if any. */
function _callsParent(
  streams: readonly ConfiguredStream[],
): StreamDefinition | undefined {
  return streams.map(({ definition }) => definition.paging)
    .find((paging) => paging.kind === "per_call")?.parent;
}

/**
 * The order `read` reads streams in: the catalog's, but the calls stream
 * before the per-call streams. It lists the calls it needs anyway, and they
 * then list only the older seconds they need, if any (see
 * `readers/call_index.ts`).
 *
 * @param streams The configured catalog.
 * @returns The same streams, in reading order.
 */
export function readOrder(
  streams: readonly ConfiguredStream[],
): readonly ConfiguredStream[] {
  const parent = _callsParent(streams);
  const at = streams.findIndex(({ definition }) => definition === parent);
  const first = streams.findIndex(({ definition }) =>
    definition.paging.kind === "per_call"
  );
  if (at < 0 || at < first) return streams;
  const ordered = streams.filter((_, i) => i !== at);
  ordered.splice(first, 0, streams[at]);
  return ordered;
}
