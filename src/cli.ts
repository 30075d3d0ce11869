/**
 * The command line: Airbyte's verbs on commander, mapped to the source
 * functions, with every failure turned into a TRACE ERROR and an exit code.
 *
 * @module
 */

import { Command, CommanderError } from "@commander-js/extra-typings";
import { DEFAULT_API_URL } from "./aircall/client.ts";
import { asConnectorError, ConnectorError } from "./errors.ts";
import { parseConfig, readCatalog, readJsonFile, readState } from "./inputs.ts";
import { TerminalProgress } from "./progress.ts";
import { MessageWriter } from "./protocol.ts";
import { type Redactor, redactorFor } from "./redact.ts";
import type { Sink } from "./runtime.ts";
import { catalog, check, read, spec } from "./source.ts";
import { VERSION } from "./version.ts";

/** What the CLI needs from the runtime. */
export interface CliIo {
  /** Where protocol messages go. */
  stdout: Sink;
  /** Where human diagnostics go. */
  stderr: Sink;
  /** Reads an environment variable (`AIRCALL_API_URL`). */
  env: (name: string) => string | undefined;
  /** Whether stderr is a terminal: `read` then shows its progress there. */
  stderrIsTty?: boolean;
  /** Epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

const HELP_EXAMPLES = `
Each verb prints Airbyte protocol messages, one JSON object per line, on
stdout; \`source-aircall help <verb>\` says more.

Examples:
  source-aircall spec
  source-aircall check --config secrets/config.json
  source-aircall discover --config secrets/config.json > catalog.json
  source-aircall read --config secrets/config.json --catalog configured_catalog.json --state state.json

Environment:
  AIRCALL_API_URL  API origin (default ${DEFAULT_API_URL})`;

function _apiUrl(io: CliIo): string {
  const value = io.env("AIRCALL_API_URL") ?? DEFAULT_API_URL;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ConnectorError(
      "config_error",
      `AIRCALL_API_URL ${
        JSON.stringify(value)
      } is not an http(s) URL; unset it to use ${DEFAULT_API_URL}.`,
    );
  }
  return url.origin;
}

/**
 * Runs the connector's command line.
 *
 * @param argv Arguments after the program name, e.g. `["spec"]`.
 * @param io Standard streams, environment and clock.
 * @returns The process exit code.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const now = io.now ?? Date.now;
  let redact: Redactor = (text) => text;
  let writer = new MessageWriter({ sink: io.stdout, redact, now });
  let exitCode = 0;

  /** Reads the config file once: its secrets are masked from then on. */
  const loadConfig = async (path: string) => {
    const raw = await readJsonFile(path, "Config");
    redact = redactorFor(raw);
    writer = new MessageWriter({ sink: io.stdout, redact, now });
    return parseConfig(raw, now());
  };

  const program = new Command()
    .name("source-aircall")
    .description(
      "Airbyte source for Aircall: prints Airbyte protocol messages on stdout.",
    )
    .version(VERSION)
    .addHelpText("after", HELP_EXAMPLES)
    .exitOverride()
    // Help and version are for humans: stdout carries protocol messages only.
    .configureOutput({
      writeOut: (text) => void io.stderr(text),
      writeErr: (text) => void io.stderr(text),
      outputError: () => {},
    })
    .showHelpAfterError(false);

  /** The "Example:" block of a verb's help. */
  const example = (...lines: string[]) =>
    `\nExample:\n${lines.map((line) => `  ${line}`).join("\n")}`;

  program.command("spec")
    .description("Print the connector's SPEC (its config fields).")
    .addHelpText("after", example("source-aircall spec"))
    .allowUnknownOption().allowExcessArguments()
    .action(async () => {
      await writer.spec(spec());
    });

  program.command("check")
    .description(
      "Test the config's API key against Aircall (GET /v1/ping): one CONNECTION_STATUS.",
    )
    .requiredOption("--config <path>", "config JSON file")
    .addHelpText(
      "after",
      example(
        "source-aircall check --config secrets/config.json",
        'prints {"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}',
      ),
    )
    .allowUnknownOption().allowExcessArguments()
    .action(async ({ config: path }) => {
      let config;
      try {
        config = await loadConfig(path);
      } catch (error) {
        if (!(error instanceof ConnectorError)) throw error;
        await writer.connectionStatus("FAILED", error.message);
        return;
      }
      let apiUrl;
      try {
        apiUrl = _apiUrl(io);
      } catch (error) {
        await writer.connectionStatus("FAILED", (error as Error).message);
        return;
      }
      await check(config, { apiUrl, now, writer });
    });

  program.command("discover")
    .description("Print the CATALOG: every stream, its schema and sync modes.")
    .requiredOption("--config <path>", "config JSON file")
    .addHelpText(
      "after",
      example(
        "source-aircall discover --config secrets/config.json > catalog.json",
      ),
    )
    .allowUnknownOption().allowExcessArguments()
    .action(async ({ config: path }) => {
      await loadConfig(path);
      await writer.catalog(catalog());
    });

  program.command("read")
    .description(
      "Read the catalog's streams: RECORD, STATE and TRACE messages.",
    )
    .requiredOption("--config <path>", "config JSON file")
    .requiredOption("--catalog <path>", "configured catalog JSON file")
    .option("--state <path>", "state JSON file (an array of STATE messages)")
    .addHelpText(
      "after",
      example(
        "source-aircall read --config secrets/config.json --catalog configured_catalog.json \\",
        "  --state state.json > messages.jsonl",
        "Progress shows on stderr when it is a terminal.",
      ),
    )
    .allowUnknownOption().allowExcessArguments()
    .action(async (options) => {
      const config = await loadConfig(options.config);
      const streams = await readCatalog(options.catalog);
      const state = await readState(options.state, streams);
      const failures = await read(config, streams, state, {
        apiUrl: _apiUrl(io),
        now,
        writer,
        observer: io.stderrIsTty
          ? new TerminalProgress((text) => void io.stderr(text))
          : undefined,
      });
      for (const { stream, error } of failures) {
        await io.stderr(
          redact(`source-aircall: stream ${stream} failed: ${error.message}\n`),
        );
      }
      if (failures.length > 0) exitCode = 1;
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      const reason = error.code === "commander.help"
        ? "no command given: use spec, check, discover or read"
        : error.message.replace(/^error: /, "");
      await writer.error(
        "config_error",
        `${reason.charAt(0).toUpperCase()}${reason.slice(1)}; see --help.`,
      );
      await writer.flush();
      await io.stderr(`source-aircall: ${reason} (see --help)\n`);
      return 2;
    }
    const failure = asConnectorError(error);
    await writer.error(
      failure.failureType,
      failure.message,
      failure.internalMessage,
    );
    await writer.flush();
    await io.stderr(redact(`source-aircall: ${failure.message}\n`));
    return 1;
  }
  await writer.flush();
  return exitCode;
}
