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
export { AircallClient, type ClientOptions } from "./src/aircall/client.ts";
export { ConnectorError, type FailureType } from "./src/errors.ts";
export { MessageWriter } from "./src/protocol.ts";
export { catalog, specMessage } from "./src/source.ts";
export {
  type Config,
  ConfigSchema,
  CONNECTION_SPECIFICATION,
} from "./src/spec.ts";
export {
  findStream,
  type StreamDefinition,
  STREAMS,
} from "./src/streams/mod.ts";
export { VERSION } from "./src/version.ts";

if (import.meta.main) await main();
