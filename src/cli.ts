/**
 * The command line: Airbyte's verbs on commander, mapped to the source
 * functions, with every failure turned into a TRACE ERROR and an exit code.
 * Arguments are strict: an unknown option or an extra argument is a usage
 * error (exit 2) naming it and the closest valid choice.
 *
 * @module
 */

import { HeldCheckpoint } from "./state_pacer.ts";
import { Command, CommanderError } from "@commander-js/extra-typings";
import { DEFAULT_API_URL } from "./aircall/client.ts";
import {
  asConnectorError,
  ConnectorError,
  RunStoppingError,
  UsageError,
} from "./errors.ts";
import {
  type ConfiguredStream,
  defaultStreams,
  type InputState,
  parseConfig,
  readCatalog,
  readJsonFile,
  readState,
  selectStreams,
} from "./inputs.ts";
import {
  LogProgress,
  plural,
  type ReadTally,
  TerminalProgress,
} from "./progress.ts";
import { MessageWriter } from "./protocol.ts";
import { type Redactor, redactorFor } from "./redact.ts";
import type { Config } from "./spec.ts";
import type { Sink, Sqlite } from "./runtime.ts";
import {
  catalog,
  check,
  configuredCatalog,
  read,
  readOrder,
  spec,
} from "./source.ts";
import type { StreamFailure } from "./read.ts";
import { SyncStore } from "./sync/store.ts";
import { formatSummary } from "./sync/summary.ts";
import { DatabaseWriter } from "./sync/writer.ts";
import { closest } from "./suggest.ts";
import { VERSION } from "./version.ts";

/** What the CLI needs from the runtime. */
export interface CliIo {
  /** Where protocol messages (and help, asked for) go. */
  stdout: Sink;
  /** Where human diagnostics go. */
  stderr: Sink;
  /** Reads an environment variable (`AIRCALL_API_URL`). */
  env: (name: string) => string | undefined;
  /** Whether stderr is a terminal: `read` then shows its progress there. */
  stderrIsTty?: boolean;
  /** The width of that terminal, asked at each redraw; `undefined` when unknown. */
  stderrColumns?: () => number | undefined;
  /** Epoch milliseconds (default `Date.now`). */
  now?: () => number;
  /**
   * Registers what to say when SIGINT or SIGTERM stops the process (the
   * runtime then exits with 130 or 143).
   */
  onStop?: (handler: (signal: string) => Promise<void>) => void;
  /** Loads `node:sqlite`, for `sync`; throws where the runtime lacks it. */
  sqlite?: () => Promise<Sqlite>;
}

/** Where `sync` writes without `--db`. */
export const DEFAULT_DB = "aircall.sqlite";

const VERBS = ["spec", "check", "discover", "read", "sync"] as const;

const HELP_EXAMPLES = `
Each Airbyte verb prints protocol messages, one JSON object per line, on
stdout; sync writes them into a local SQLite database instead.
\`source-aircall help <verb>\` says more.

Examples:
  source-aircall spec
  source-aircall check --config secrets/config.json
  source-aircall discover --config secrets/config.json > catalog.json
  source-aircall read --config secrets/config.json --streams calls,contacts > messages.jsonl
  source-aircall read --config secrets/config.json --catalog configured_catalog.json --state state.json
  source-aircall sync --config secrets/config.json --db aircall.sqlite

Exit codes: 0 success (for check, whatever its verdict), 1 a stream or the
run failed, 2 a usage error, 130 or 143 stopped by SIGINT or SIGTERM, 141
stdout closed by its reader.

Environment:
  AIRCALL_API_URL  API origin (default ${DEFAULT_API_URL})
  AIRCALL_STATE_INTERVAL_SECONDS  least seconds between two STATEs of a stream (default 60)`;

const STREAMS_HELP =
  "comma-separated stream names, or all (every stream the connector offers); incremental where a stream supports it";

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

/** `AIRCALL_STATE_INTERVAL_SECONDS` in ms, or `undefined` for the default. */
function _stateIntervalMs(io: CliIo): number | undefined {
  const value = io.env("AIRCALL_STATE_INTERVAL_SECONDS");
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,6}$/.test(value.trim())) {
    throw new ConnectorError(
      "config_error",
      `AIRCALL_STATE_INTERVAL_SECONDS ${
        JSON.stringify(value)
      } is not a whole number of seconds; unset it for one STATE a minute.`,
    );
  }
  return Number(value.trim()) * 1000;
}

/** The long flags of a command, as its help shows them (`--config <path>`). */
function _flags(
  command: Command<unknown[], Record<string, unknown>>,
): string[] {
  return command.options.map((option) => option.flags.replace(/^-\w, /, ""));
}

/** `' did you mean X?'`, or the valid choices when none is close. */
function _suggestion(
  typed: string,
  choices: string[],
  what: string,
): string {
  const guess = closest(typed, choices.map((choice) => choice.split(" ")[0]));
  return guess
    ? `; did you mean ${choices.find((choice) => choice.startsWith(guess))}?`
    : `; ${what}: ${choices.join(", ")}.`;
}

/**
 * A usage error for what commander left over: the first unknown option (after
 * which commander keeps nothing) or an extra argument.
 */
function _leftover(
  command: Command<unknown[], Record<string, unknown>>,
): UsageError | undefined {
  const [first] = command.args.slice(command.registeredArguments.length);
  if (first === undefined) return undefined;
  const options = [..._flags(command), "--help"];
  const verb = command.name();
  if (first.startsWith("-") && first !== "-") {
    const flag = first.split("=")[0];
    return new UsageError(
      `Unknown option '${flag}' for ${verb}${
        _suggestion(flag, options, `${verb} takes`)
      }`,
    );
  }
  // A file name given without its option: `config.json` for `--config`.
  const name = first.split(/[/\\]/).pop()!.replace(/\.[^.]*$/, "");
  return new UsageError(
    `Unexpected argument '${first}' for ${verb}${
      _suggestion(name, options, `${verb} takes options only`)
    }`,
  );
}

/** A commander failure, as one line naming the culprit and the closest choice. */
function _usage(error: CommanderError, program: Command): UsageError {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? "";
  const verbs = program.commands.map((command) => command.name());
  switch (error.code) {
    case "commander.unknownCommand":
      return new UsageError(
        `Unknown verb '${quoted}'${
          _suggestion(quoted, verbs, "the verbs are")
        }`,
      );
    case "commander.unknownOption":
      return new UsageError(
        `Unknown option '${quoted}'${
          _suggestion(
            quoted,
            [..._flags(program), "--help"],
            `put a verb (${verbs.join(", ")}) first; the options before it are`,
          )
        }`,
      );
    case "commander.optionMissingArgument":
      return new UsageError(`Option ${quoted} needs a value`);
    default: {
      const reason = error.message.replace(/^error: /, "").replace(
        /\s*\n\s*/g,
        " ",
      );
      return new UsageError(reason.charAt(0).toUpperCase() + reason.slice(1));
    }
  }
}

/** The `--config` path, which every verb but spec requires. */
function _required(path: string | undefined, verb: string): string {
  if (path === undefined) {
    throw new UsageError(
      `${verb} needs --config <path> (the config JSON file)`,
    );
  }
  return path;
}

/** The "Example:" block of a verb's help. */
function _example(...lines: string[]): string {
  return `\nExample:\n${lines.map((line) => `  ${line}`).join("\n")}`;
}

/**
 * Where a stopped read resumes from: the STATE messages printed, claimed
 * only for the streams that printed one.
 */
function _resumeFrom(reading: ReadTally, stated: ReadonlySet<string>): string {
  const without = reading.streams.map((figures) => figures.stream)
    .filter((stream) => !stated.has(stream));
  if (without.length === reading.streams.length) {
    return "no STATE yet: a rerun starts from start_date.";
  }
  const resume =
    "the last STATE printed on stdout is where to resume (pass the STATE messages back with --state)";
  if (without.length === 0) return `${resume}.`;
  return `${resume}; no STATE yet for ${_list(without)}: a rerun starts ${
    without.length === 1 ? "it" : "them"
  } from start_date.`;
}

/** `a`, `a and b`, `a, b and c`. */
function _list(items: string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
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
  /** The read in progress, for what a stop signal reports. */
  let reading: ReadTally | undefined;
  /** The database a sync is writing, committed and closed by a stop signal. */
  let syncing: SyncStore | undefined;
  /** Help and version text, written before the exit code is returned. */
  const helpWrites: Promise<void>[] = [];

  /** The running stream's checkpoint held back by the STATE pacing. */
  const held = new HeldCheckpoint();

  io.onStop?.(async (signal) => {
    reading?.interrupt();
    // The newest checkpoint, not the last one let through a minute ago.
    await held.write();
    // Closed before anything else is awaited: the read writes nothing more
    // than the tally reports (a stream finishing meanwhile would be
    // COMPLETE in the database and "so far" in the message).
    syncing?.close();
    await writer.flush();
    if (syncing) {
      const read = reading?.streams.length
        ? ` after reading ${reading.summary()}`
        : "";
      await io.stderr(
        redact(
          `source-aircall: stopped by ${signal}${read}; everything read is committed to ${syncing.path}: run sync again to go on from there.\n`,
        ),
      );
      return;
    }
    const line = !reading
      ? `stopped by ${signal}.`
      : reading.streams.length === 0
      ? `stopped by ${signal} before any record was read; start the sync again.`
      : `stopped by ${signal} after reading ${reading.summary()}; ${
        _resumeFrom(reading, writer.streamsWithState)
      }`;
    await io.stderr(redact(`source-aircall: ${line}\n`));
  });

  /** Reads the config file once: its secrets are masked from then on. */
  const loadConfig = async (path: string) => {
    const raw = await readJsonFile(path, "Config");
    redact = redactorFor(raw);
    writer = new MessageWriter({ sink: io.stdout, redact, now });
    return parseConfig(raw, now());
  };

  /**
   * A read's progress: redrawn on stderr for a person at a terminal, as
   * LOG lines through `messages` otherwise.
   */
  const progressFor = (messages: MessageWriter): ReadTally =>
    io.stderrIsTty
      ? new TerminalProgress(
        (text) => void io.stderr(redact(text)),
        now,
        undefined,
        io.stderrColumns,
      )
      : new LogProgress(async (level, message) => {
        await messages.log(level, message);
        await messages.flush();
      }, now);

  const program = new Command()
    .name("source-aircall")
    .description(
      "Airbyte source for Aircall: prints Airbyte protocol messages on stdout.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "print this help")
    .addHelpText("after", HELP_EXAMPLES)
    .helpCommand(false)
    .exitOverride()
    // Help and version are asked for: they go to stdout (no protocol run).
    .configureOutput({
      writeOut: (text) => void helpWrites.push(io.stdout(text)),
      writeErr: (text) => void helpWrites.push(io.stderr(text)),
      outputError: () => {},
    })
    .showHelpAfterError(false)
    .showSuggestionAfterError(false);
  // Strict: every verb's leftovers are refused before its action runs.
  program.hook("preAction", (_program, action) => {
    const leftover = _leftover(action);
    if (leftover) throw leftover;
  });

  /** A verb: lenient in commander, so the preAction hook names any leftover. */
  const verb = (name: string, description: string, ...example: string[]) =>
    program.command(name)
      .description(description)
      .option(
        "--debug",
        "log every request (method, path and query, status, attempt, ms) as a DEBUG LOG",
      )
      .addHelpText("after", _example(...example))
      .allowUnknownOption().allowExcessArguments();

  verb(
    "spec",
    "Print the connector's SPEC (its config fields).",
    "source-aircall spec",
  ).action(async () => {
    await writer.spec(spec());
  });

  verb(
    "check",
    "Test the config's API key against Aircall (GET /v1/ping): one CONNECTION_STATUS.",
    "source-aircall check --config secrets/config.json",
    'prints {"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}',
  )
    .option("--config <path>", "config JSON file (required)")
    .action(async (options) => {
      const path = _required(options.config, "check");
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
        await writer.connectionStatus(
          "FAILED",
          asConnectorError(error).message,
        );
        return;
      }
      await check(config, { apiUrl, now, writer, debug: options.debug });
    });

  verb(
    "discover",
    "Print the CATALOG: every stream, its schema and sync modes.",
    "source-aircall discover --config secrets/config.json > catalog.json",
    "source-aircall discover --config secrets/config.json --configured --streams calls,users > configured_catalog.json",
    "--configured prints a configured catalog (JSON to edit and pass to read --catalog), not a protocol message.",
  )
    .option("--config <path>", "config JSON file (required)")
    .option(
      "--configured",
      "print a configured catalog for read --catalog instead of the CATALOG message (without --streams: the streams sync takes by default)",
    )
    .option("--streams <names>", `only these streams: ${STREAMS_HELP}`)
    .action(async (options) => {
      const selected = options.streams === undefined
        ? undefined
        : selectStreams(options.streams);
      await loadConfig(_required(options.config, "discover"));
      if (options.configured) {
        const streams = selected ?? defaultStreams();
        await io.stdout(
          JSON.stringify(configuredCatalog(streams), null, 2) + "\n",
        );
        return;
      }
      await writer.catalog(
        catalog(selected?.map((stream) => stream.definition)),
      );
    });

  verb(
    "read",
    "Read streams: RECORD, STATE and TRACE messages.",
    "source-aircall read --config secrets/config.json --streams calls,contacts > messages.jsonl",
    "source-aircall read --config secrets/config.json --catalog configured_catalog.json \\",
    "  --state state.json > messages.jsonl",
    "Progress shows on stderr when it is a terminal, as LOG lines otherwise.",
  )
    .option("--config <path>", "config JSON file (required)")
    .option("--catalog <path>", "configured catalog JSON file")
    .option("--streams <names>", `instead of --catalog: ${STREAMS_HELP}`)
    .option(
      "--state <path>",
      "state JSON file: the STATE messages of the last read (array or JSON lines)",
    )
    .action(async (options) => {
      if ((options.catalog === undefined) === (options.streams === undefined)) {
        throw new UsageError(
          options.catalog === undefined
            ? "read needs --catalog <path> or --streams <names>"
            : "read takes --catalog or --streams, not both",
        );
      }
      const selected = options.streams === undefined
        ? undefined
        : selectStreams(options.streams);
      const config = await loadConfig(_required(options.config, "read"));
      const streams: ConfiguredStream[] = selected ??
        await readCatalog(options.catalog!);
      const state = await readState(options.state, streams);
      await readInto(writer, config, streams, state, {
        apiUrl: _apiUrl(io),
        debug: options.debug,
      });
    });

  verb(
    "sync",
    "Sync streams into a local SQLite database: a table per stream, deduplicated, with the state kept in the same file.",
    `source-aircall sync --config secrets/config.json --db ${DEFAULT_DB}`,
    `sqlite3 ${DEFAULT_DB} 'SELECT count(*) FROM calls'`,
    "Without --streams: every stream but those that cost a request per call or per user (Conversation",
    "Intelligence, Power Dialer); --streams all or their names add them. Progress shows on stderr;",
    "a summary per stream on stdout.",
    "Under deno run, pass --allow-write=<the --db file>; under Node, sync needs Node 22.13 or later.",
  )
    .option("--config <path>", "config JSON file (required)")
    .option("--db <path>", `SQLite database file (default ${DEFAULT_DB})`)
    .option("--streams <names>", STREAMS_HELP)
    .action(async (options) => {
      const started = now();
      if (options.db === "") {
        throw new UsageError(
          `sync's --db needs a file name, e.g. --db ${DEFAULT_DB}`,
        );
      }
      const streams = options.streams === undefined
        ? defaultStreams()
        : selectStreams(options.streams);
      const config = await loadConfig(_required(options.config, "sync"));
      const apiUrl = _apiUrl(io);
      if (!io.sqlite) {
        throw new ConnectorError(
          "system_error",
          "sync needs SQLite, and this embedding of runCli gives it none: pass io.sqlite, e.g. () => import('node:sqlite').",
        );
      }
      const store = SyncStore.open(
        options.db ?? DEFAULT_DB,
        await io.sqlite(),
        streams,
        now,
      );
      syncing = store;
      try {
        const dbWriter = new DatabaseWriter(store, {
          stderr: io.stderr,
          redact,
          now,
        });
        await readInto(dbWriter, config, streams, store.state(), {
          apiUrl,
          debug: options.debug,
        });
        const summary = formatSummary(
          store.outcomes(),
          store.path,
          (now() - started) / 1000,
        );
        store.close();
        await io.stdout(summary);
      } finally {
        store.close();
      }
    });

  /**
   * The read `read` and `sync` share: the engine writing into `target`, its
   * progress shown, each failed stream reported.
   */
  async function readInto(
    target: MessageWriter,
    config: Config,
    streams: readonly ConfiguredStream[],
    state: InputState,
    { apiUrl, debug }: { apiUrl: string; debug?: boolean },
  ): Promise<void> {
    const progress = progressFor(target);
    reading = progress;
    const failures = await read(config, streams, state, {
      apiUrl,
      now,
      writer: target,
      observer: progress,
      debug,
      stateIntervalMs: _stateIntervalMs(io),
      held,
    });
    await reportFailures(failures, streams);
  }

  /** One stderr line per failed stream; the exit code becomes 1. */
  async function reportFailures(
    failures: readonly StreamFailure[],
    streams: readonly ConfiguredStream[],
  ): Promise<void> {
    for (const { stream, error } of failures) {
      const at = readOrder(streams)
        .findIndex((s) => s.definition.name === stream);
      const unread = streams.length - 1 - at;
      const stopped = error instanceof RunStoppingError && unread > 0
        ? ` The sync stopped there: ${plural(unread, "other stream")} not read.`
        : "";
      await io.stderr(
        redact(
          `source-aircall: stream ${stream} failed: ${error.message}${stopped}\n`,
        ),
      );
    }
    if (failures.length > 0) exitCode = 1;
  }

  program.command("help")
    .argument("[verb]", "the verb to explain")
    .description("Explain a verb (or everything, without one).")
    .allowUnknownOption().allowExcessArguments()
    .action((name) => {
      if (name === undefined) return program.outputHelp();
      const command = program.commands.find((c) => c.name() === name);
      if (!command) {
        throw new UsageError(
          `Unknown verb '${name}' for help${
            _suggestion(name, [...VERBS, "help"], "the verbs are")
          }`,
        );
      }
      command.outputHelp();
    });

  try {
    if (argv.length === 0) {
      throw new UsageError(
        `No verb given: use ${VERBS.slice(0, -1).join(", ")} or ${
          VERBS.at(-1)
        }`,
      );
    }
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    await Promise.all(helpWrites);
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    const failure = error instanceof CommanderError
      ? _usage(error, program)
      : asConnectorError(error);
    // sync's stdout is for people: its failures are told on stderr only.
    if (argv[0] !== "sync") {
      await writer.error(
        failure.failureType,
        failure.message,
        failure.internalMessage,
      );
    }
    await writer.flush();
    if (failure instanceof UsageError) {
      await io.stderr(`source-aircall: ${failure.message} (see --help)\n`);
      return 2;
    }
    await io.stderr(redact(`source-aircall: ${failure.message}\n`));
    return 1;
  }
  await Promise.all(helpWrites);
  await writer.flush();
  return exitCode;
}
