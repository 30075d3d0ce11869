/**
 * source-aircall: an Airbyte source connector for Aircall's REST API.
 *
 * As a program it speaks the Airbyte protocol:
 *
 * ```sh
 * deno run --allow-net --allow-read --allow-env mod.ts spec
 * ```
 *
 * As a library it exports the pieces: the CLI, the stream definitions, the
 * spec and the protocol writer.
 *
 * @module
 */

import { main } from "./src/main.ts";

export { type CliIo, runCli } from "./src/cli.ts";
export {
  AircallClient,
  type ClientOptions,
  type Query,
  type ResponseInfo,
  type RetryInfo,
} from "./src/aircall/client.ts";
export { Scheduler, type SchedulerClock } from "./src/aircall/scheduler.ts";
export {
  ConnectorError,
  CredentialsError,
  type FailureType,
  HttpError,
  RunStoppingError,
} from "./src/errors.ts";
export type { JsonSchema, ObjectSchema } from "./src/json_schema.ts";
export {
  type LogLevel,
  MessageWriter,
  type StateBlob,
  type StatusReason,
  type StreamStatus,
  type WriterOptions,
} from "./src/protocol.ts";
export { type Redactor, redactorFor } from "./src/redact.ts";
export type { Sink, Sqlite } from "./src/runtime.ts";
export { catalog, spec } from "./src/source.ts";
export { parseConfig } from "./src/inputs.ts";
export { type Config, CONNECTION_SPECIFICATION } from "./src/spec.ts";
export {
  findStream,
  type Incremental,
  type Paging,
  type StreamDefinition,
  STREAMS,
  supportedSyncModes,
  type SyncMode,
} from "./src/streams/mod.ts";
export { VERSION } from "./src/version.ts";

if (import.meta.main) await main();
