/**
 * Shared test helpers: the Airbyte protocol judge, strict record validators,
 * temporary input files and the CLI run as a subprocess.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { RUN_FLAGS } from "../scripts/run_flags.ts";
import { AircallClient } from "../src/aircall/client.ts";
import { Scheduler } from "../src/aircall/scheduler.ts";
import { parseConfig } from "../src/inputs.ts";
import type { StateBlob } from "../src/protocol.ts";
import { type ReadEvent, readStream } from "../src/readers/mod.ts";
import {
  type StreamDefinition,
  STREAMS,
  type SyncMode,
} from "../src/streams/mod.ts";
import {
  FakeAircall,
  type FakeAircallOptions,
  type FakeRequest,
} from "./fake_aircall/mod.ts";

/** The repository root (found upwards, so bundled copies of the tests work too). */
export const ROOT: string = _findRoot(
  fileURLToPath(new URL(".", import.meta.url)),
);

function _findRoot(dir: string): string {
  if (existsSync(join(dir, "deno.json"))) return dir + "/";
  const parent = dirname(dir);
  if (parent === dir) throw new Error("No deno.json above the tests");
  return _findRoot(parent);
}

/**
 * The CLI under test: `deno run` with exactly the flags the compile
 * task bakes in, or under Node (the npm build's test pass) the npm bundle.
 */
export const CLI_COMMAND: readonly string[] = process.versions.deno
  ? [process.execPath, "run", ...RUN_FLAGS, join(ROOT, "mod.ts")]
  : [process.execPath, join(ROOT, "npm/bin/source-aircall.mjs")];

/**
 * The CLI for a `sync` into `db`: under Deno, the run flags plus write
 * access to that one file (the least `sync` needs); under Node, the npm build.
 *
 * @param db The database file.
 */
export function syncCommand(db: string): readonly string[] {
  return process.versions.deno
    ? [
      process.execPath,
      "run",
      ...RUN_FLAGS,
      `--allow-write=${db}`,
      join(ROOT, "mod.ts"),
    ]
    : CLI_COMMAND;
}

/**
 * Runs a command and reports how it ended on the last stderr line: "exit N"
 * or "signal N". Node's child_process under Deno reports an exit code above
 * 128 (and any child it sent a signal to) as killed by a signal, so the
 * tests ask Python, which tells the two apart. SIGINT and SIGTERM sent to
 * Python are passed on to the command.
 */
export const REPORT_STATUS: string = `
import signal, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
for stop in (signal.SIGINT, signal.SIGTERM):
    signal.signal(stop, lambda number, frame: child.send_signal(number))
status = child.wait()
sys.stderr.write(f"signal {-status}\\n" if status < 0 else f"exit {status}\\n")
`;

/** Credentials the fake accepts; a grep of all test output must not find them. */
export const TEST_API_ID = "test-api-id-7Qk2";
export const TEST_API_TOKEN = "test-api-token-Zx91Lm";

function _ajv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  return ajv;
}

const protocol = parseYaml(
  readFileSync(join(ROOT, "tests/fixtures/airbyte_protocol.yaml"), "utf8"),
);
const protocolAjv = _ajv();
protocolAjv.addSchema({ ...protocol, $id: "airbyte_protocol" });

/** Validates one message against `#/definitions/AirbyteMessage`. */
export const validateMessage: ValidateFunction = protocolAjv.getSchema(
  "airbyte_protocol#/definitions/AirbyteMessage",
)!;

/** Validates a configured catalog against `#/definitions/ConfiguredAirbyteCatalog`. */
export const validateConfiguredCatalog: ValidateFunction = protocolAjv
  .getSchema("airbyte_protocol#/definitions/ConfiguredAirbyteCatalog")!;

/** Compiles a draft-07 JSON schema, with formats checked. */
export function compileSchema(
  schema: Record<string, unknown>,
): ValidateFunction {
  return _ajv().compile(schema);
}

/**
 * A copy of a schema with every object that lists its properties closed
 * (`additionalProperties: false`), at every depth. The published schemas
 * stay open (the API adds fields); the tests close them so that a field the
 * fake serves and the schema lacks fails.
 *
 * @param schema A JSON schema node.
 * @returns The closed copy.
 */
export function closedSchema(
  schema: Record<string, unknown>,
): Record<string, unknown> {
  const closed: Record<string, unknown> = { ...schema };
  if (typeof schema.properties === "object" && schema.properties !== null) {
    closed.additionalProperties = false;
    closed.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [
        name,
        closedSchema(property as Record<string, unknown>),
      ]),
    );
  }
  if (typeof schema.items === "object" && schema.items !== null) {
    closed.items = closedSchema(schema.items as Record<string, unknown>);
  }
  return closed;
}

/**
 * A validator of records against a stream schema, strict at every level:
 * Airbyte's acceptance tests force `additionalProperties: false` at the top,
 * and {@linkcode closedSchema} closes every nested object too.
 */
export function strictRecordValidator(
  schema: Record<string, unknown>,
): ValidateFunction {
  return compileSchema(closedSchema(schema));
}

/**
 * Records of a run that fail their stream's schema strictly, as readable
 * lines (empty when all pass).
 *
 * @param messages A run's messages.
 * @param streams The catalog's streams, with their schemas.
 */
export function strictSchemaErrors(
  messages: Message[],
  streams: readonly { name: string; json_schema: Record<string, unknown> }[],
): string[] {
  const validators = new Map(
    streams.map((s) => [s.name, strictRecordValidator(s.json_schema)]),
  );
  const errors: string[] = [];
  for (const message of messages) {
    if (message.type !== "RECORD") continue;
    const { stream, data } = message.record!;
    const validate = validators.get(stream);
    if (!validate) errors.push(`${stream}: not in the catalog`);
    else if (!validate(data)) {
      errors.push(`${stream}: ${JSON.stringify(validate.errors)}`);
    }
  }
  return errors;
}

/** The expansion flags every calls list request carries. */
export const CALLS_EXPANSIONS: Readonly<Record<string, string>> = {
  fetch_contact: "true",
  fetch_call_timeline: "true",
  fetch_aiva_conv: "true",
};

/**
 * The `/v1/calls` requests of a fake's log that lack an expansion flag or
 * ask for the expiring short URLs (empty when every one is right); throws
 * when the log has no calls request at all, so a vacuous pass is impossible.
 *
 * @param requests The fake's request log.
 */
export function callsRequestsNotExpanded(
  requests: readonly FakeRequest[],
): string[] {
  const calls = requests.filter((r) => r.path === "/v1/calls");
  if (calls.length === 0) throw new Error("No /v1/calls request was made");
  return calls.filter((r) =>
    Object.entries(CALLS_EXPANSIONS).some(([flag, value]) =>
      r.query[flag] !== value
    ) || "fetch_short_urls" in r.query
  ).map((r) => `${r.path}?${new URLSearchParams(r.query)}`);
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "source-aircall-test-"));
}

/** Writes `value` as JSON into `dir/name` and returns the path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    typeof value === "string" ? value : JSON.stringify(value),
  );
  return path;
}

/** A valid config for the fake API. */
export function testConfig(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    api_id: TEST_API_ID,
    api_token: TEST_API_TOKEN,
    start_date: "2020-01-01T00:00:00.000Z",
    max_requests_per_minute: 100000,
    ...overrides,
  };
}

/** A configured catalog of the named streams. */
export function configuredCatalog(
  streams: Record<string, "full_refresh" | "incremental">,
): Record<string, unknown> {
  return {
    streams: Object.entries(streams).map(([name, sync_mode]) => ({
      stream: { name, json_schema: {}, supported_sync_modes: [sync_mode] },
      sync_mode,
      destination_sync_mode: sync_mode === "incremental"
        ? "append_dedup"
        : "overwrite",
    })),
  };
}

/** A stream of a discovered catalog. */
export interface CatalogStream {
  name: string;
  json_schema: Record<string, unknown> & {
    properties: Record<string, Record<string, unknown>>;
  };
  supported_sync_modes: string[];
  source_defined_primary_key?: string[][];
  default_cursor_field?: string[];
  source_defined_cursor?: boolean;
  is_resumable?: boolean;
}

/** A protocol message as the tests read it. */
export interface Message {
  type: string;
  record?: {
    stream: string;
    data: Record<string, unknown>;
    emitted_at: number;
  };
  state?: {
    type: string;
    stream: {
      stream_descriptor: { name: string };
      stream_state: Record<string, unknown>;
    };
    sourceStats: { recordCount: number };
  };
  trace?: {
    type: string;
    emitted_at: number;
    error?: {
      message: string;
      failure_type: string;
      internal_message?: string;
      stream_descriptor?: { name: string };
    };
    stream_status?: {
      stream_descriptor: { name: string };
      status: string;
      reasons?: Record<string, unknown>[];
    };
    estimate?: { name: string; row_estimate: number };
  };
  log?: { level: string; message: string };
  spec?: {
    documentationUrl: string;
    connectionSpecification: Record<string, unknown> & {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
  };
  catalog?: { streams: CatalogStream[] };
  connectionStatus?: { status: string; message?: string };
}

/** A configured catalog as the tests write it: stream name to sync mode. */
export type Streams = Record<string, "full_refresh" | "incremental">;

/** Options of {@linkcode readArgs} and {@linkcode readFake}. */
export interface ReadOptions {
  /** Overrides of {@linkcode testConfig}. */
  config?: Record<string, unknown>;
  /** The `--state` file's content, if any. */
  state?: unknown;
  /** Extra environment variables (see {@linkcode EVERY_STATE}). */
  env?: Record<string, string>;
}

/**
 * The environment of a read that writes every checkpoint as a STATE (no
 * minute between two): for tests that resume from a given mid-stream
 * checkpoint, which a run of a few seconds would otherwise hold back.
 */
export const EVERY_STATE: Readonly<Record<string, string>> = {
  AIRCALL_STATE_INTERVAL_SECONDS: "0",
};

/**
 * The arguments of a `read`: config, catalog and state written to files.
 *
 * @param streams The configured streams.
 * @param options Config overrides and state.
 */
export function readArgs(
  streams: Streams,
  options: ReadOptions = {},
): string[] {
  const dir = tempDir();
  const args = [
    "read",
    "--config",
    writeJson(dir, "config.json", testConfig(options.config)),
    "--catalog",
    writeJson(dir, "catalog.json", configuredCatalog(streams)),
  ];
  if (options.state !== undefined) {
    args.push("--state", writeJson(dir, "state.json", options.state));
  }
  return args;
}

/**
 * Runs `read` against the fake API.
 *
 * @param fake The fake Aircall API.
 * @param streams The configured streams.
 * @param options Config overrides and state.
 */
export function readFake(
  fake: FakeAircall,
  streams: Streams,
  options: ReadOptions = {},
): Promise<CliRun> {
  return runCli(readArgs(streams, options), {
    AIRCALL_API_URL: fake.url,
    ...options.env,
  });
}

/** What one CLI run printed. */
export interface CliRun {
  /** Exit code, or -1 when killed by a signal. */
  code: number;
  /** The signal that killed it, if any. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /**
   * stdout parsed line by line; a killed run's cut last line is dropped.
   * Empty when stdout is text (see {@linkcode runCliText}).
   */
  messages: Message[];
}

/** A running CLI subprocess. */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves when it exits; rejects on a non-JSON stdout line or a leaked credential. */
  result: Promise<CliRun>;
}

function _parseLines(stdout: string, killed: boolean): Message[] {
  const lines = stdout.split("\n");
  const last = lines.pop();
  if (last !== "" && !killed) {
    throw new Error(`stdout does not end with a newline: ${last}`);
  }
  return lines.map((line, index) => {
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(`stdout line ${index + 1} is not JSON: ${line}`);
    }
  });
}

/**
 * Starts the CLI in a subprocess (see `CLI_COMMAND`).
 * Every run of the suite is checked for the test credentials: any output
 * that holds one fails the test.
 *
 * @param args CLI arguments.
 * @param env Extra environment variables (e.g. `AIRCALL_API_URL`).
 * @param command The program and its first arguments (default: the CLI under test).
 */
export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
  command: readonly string[] = CLI_COMMAND,
  protocol = true,
): CliProcess {
  const child = spawn(
    command[0],
    [...command.slice(1), ...args],
    {
      env: { ...process.env, ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
  const result = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      try {
        const stdout = Buffer.concat(out).toString("utf8");
        const stderr = Buffer.concat(err).toString("utf8");
        for (const secret of [TEST_API_ID, TEST_API_TOKEN]) {
          if (stdout.includes(secret) || stderr.includes(secret)) {
            throw new Error(`A test credential leaked: ${args.join(" ")}`);
          }
        }
        const messages = protocol ? _parseLines(stdout, signal !== null) : [];
        resolve({ code: code ?? -1, signal, stdout, stderr, messages });
      } catch (error) {
        reject(error);
      }
    });
  });
  return { child, result };
}

/**
 * Runs the CLI to completion; see {@linkcode spawnCli}.
 *
 * @param args CLI arguments.
 * @param env Extra environment variables (e.g. `AIRCALL_API_URL`).
 * @param command The program and its first arguments (default: the CLI under test).
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  command: readonly string[] = CLI_COMMAND,
): Promise<CliRun> {
  return spawnCli(args, env, command).result;
}

/**
 * Runs the CLI where stdout is meant for a person (help, version, a
 * configured catalog): stdout is returned as text, not parsed.
 *
 * @param args CLI arguments.
 * @param env Extra environment variables.
 */
export function runCliText(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  return spawnCli(args, env, CLI_COMMAND, false).result;
}

/** Messages of one type (and, for TRACE, one trace type). */
export function ofType(
  messages: Message[],
  type: string,
  traceType?: string,
): Message[] {
  return messages.filter((m) =>
    m.type === type && (!traceType || m.trace?.type === traceType)
  );
}

/**
 * Asserts a `check` answered as the protocol says (exit 0, valid messages,
 * one CONNECTION_STATUS) and returns that status.
 */
export function verdict(run: CliRun): { status: string; message?: string } {
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(protocolErrors(run.messages), []);
  const statuses = ofType(run.messages, "CONNECTION_STATUS");
  assert.equal(statuses.length, 1, run.stdout);
  return statuses[0].connectionStatus!;
}

/**
 * Asserts a run failed once, said once: exit `code` (1 by default), valid
 * messages with one TRACE ERROR of `failureType` (`config_error` by
 * default), and one stderr line, both matching `reason`.
 *
 * @returns The TRACE ERROR's error.
 */
export function assertOneFailure(
  run: CliRun,
  reason: RegExp,
  { code = 1, failureType = "config_error" } = {},
): NonNullable<NonNullable<Message["trace"]>["error"]> {
  assert.equal(run.code, code, run.stdout + run.stderr);
  assert.deepEqual(protocolErrors(run.messages), []);
  const errors = ofType(run.messages, "TRACE", "ERROR");
  assert.equal(errors.length, 1, run.stdout);
  const error = errors[0].trace!.error!;
  assert.equal(error.failure_type, failureType);
  assert.match(error.message, reason);
  const lines = run.stderr.split("\n");
  assert.equal(lines.pop(), "", "stderr ends with a newline");
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /^source-aircall: /);
  assert.match(lines[0], reason);
  return error;
}

/** Asserts a usage error: exit 2, only its TRACE ERROR on stdout, one stderr line. */
export function assertUsageError(run: CliRun, reason: RegExp): void {
  assertOneFailure(run, reason, { code: 2 });
  assert.equal(run.messages.length, 1, run.stdout);
}

/** Protocol errors of every message, as readable strings (empty when all valid). */
export function protocolErrors(messages: Message[]): string[] {
  const errors: string[] = [];
  for (const [index, message] of messages.entries()) {
    const valid = validateMessage(message) as boolean;
    if (!valid) {
      errors.push(
        `message ${index} (${message.type}): ${
          protocolAjv.errorsText(validateMessage.errors)
        }`,
      );
    }
  }
  return errors;
}

/** Starts the fake Aircall API with the test credentials. */
export function startFake(
  options: Omit<FakeAircallOptions, "apiId" | "apiToken"> = {},
): Promise<FakeAircall> {
  return FakeAircall.start({
    ...options,
    apiId: TEST_API_ID,
    apiToken: TEST_API_TOKEN,
  });
}

/** What {@linkcode readInProcess} may change of a read. */
export interface InProcessRead {
  /** The sync's now, unix seconds (default the fake's). */
  now?: number;
  /** The stream's saved state (default none). */
  state?: StateBlob;
  /** Config fields over {@linkcode testConfig}'s. */
  config?: Record<string, unknown>;
  /** The client's scheduler (default one that does not pace). */
  scheduler?: Scheduler;
}

/**
 * One stream's read events, in process, against the fake: the reader
 * alone, without the engine's STATE pacing or the CLI.
 */
export async function readInProcess(
  fake: FakeAircall,
  definition: StreamDefinition,
  mode: SyncMode,
  options: InProcessRead = {},
): Promise<ReadEvent[]> {
  const now = options.now ?? fake.now;
  const client = new AircallClient({
    baseUrl: fake.url,
    apiId: TEST_API_ID,
    apiToken: TEST_API_TOKEN,
    scheduler: options.scheduler ?? new Scheduler(100_000),
  });
  const config = parseConfig(testConfig(options.config), now * 1000);
  const events: ReadEvent[] = [];
  for await (
    const event of readStream(
      definition,
      mode,
      { client, config, now },
      options.state,
    )
  ) {
    events.push(event);
  }
  return events;
}

/** Every stream, in the given sync mode where it supports it. */
export function allStreams(
  mode: "full_refresh" | "incremental",
): Record<string, "full_refresh" | "incremental"> {
  return Object.fromEntries(
    STREAMS.map((stream) => [
      stream.name,
      mode === "incremental" && stream.incremental ? mode : "full_refresh",
    ]),
  );
}

/** Records of a run, grouped by stream. */
export function recordsByStream(
  messages: Message[],
): Map<string, Record<string, unknown>[]> {
  const byStream = new Map<string, Record<string, unknown>[]>();
  for (const message of messages) {
    if (message.type !== "RECORD") continue;
    const { stream, data } = message.record!;
    if (!byStream.has(stream)) byStream.set(stream, []);
    byStream.get(stream)!.push(data);
  }
  return byStream;
}

/** The last STATE of each stream, as an input state file would hold them. */
export function lastStates(messages: Message[]): Message["state"][] {
  const last = new Map<string, Message["state"]>();
  for (const message of ofType(messages, "STATE")) {
    last.set(message.state!.stream.stream_descriptor.name, message.state);
  }
  return [...last.values()];
}

/**
 * Checks the protocol rules around STATE and STREAM_STATUS for every
 * configured stream; returns the violations (empty when all hold).
 */
export function checkpointViolations(
  messages: Message[],
  streams: string[],
): string[] {
  const violations: string[] = [];
  for (const stream of streams) {
    let sinceState = 0;
    let states = 0;
    let previousState: string | undefined;
    const statuses: string[] = [];
    for (const message of messages) {
      if (message.record?.stream === stream) {
        sinceState++;
        if (statuses.at(-1) !== "RUNNING") {
          violations.push(`${stream}: a record outside RUNNING`);
        }
      }
      if (message.state?.stream.stream_descriptor.name === stream) {
        states++;
        const count = message.state.sourceStats?.recordCount;
        if (count !== sinceState) {
          violations.push(
            `${stream}: recordCount ${count}, but ${sinceState} records since the previous STATE`,
          );
        }
        const json = JSON.stringify(message.state.stream.stream_state);
        if (json === previousState && sinceState > 0) {
          violations.push(`${stream}: repeated state ${json} after records`);
        }
        previousState = json;
        sinceState = 0;
      }
      const status = message.trace?.stream_status;
      if (status?.stream_descriptor.name === stream) {
        statuses.push(status.status);
      }
    }
    if (states === 0) violations.push(`${stream}: no STATE`);
    if (sinceState > 0) {
      violations.push(`${stream}: ${sinceState} records after the last STATE`);
    }
    // STARTED, one or more RUNNING (rate-limit waits repeat it), COMPLETE.
    const middle = statuses.slice(1, -1);
    if (
      statuses[0] !== "STARTED" || statuses.at(-1) !== "COMPLETE" ||
      middle.length === 0 || middle.some((status) => status !== "RUNNING")
    ) {
      violations.push(`${stream}: statuses ${statuses}`);
    }
  }
  return violations;
}

/** The runtime flags among `deno` arguments: permissions and V8 flags. */
export function runtimeFlags(args: readonly string[]): string[] {
  return args.filter((a) => /^--(allow-|v8-flags)|^-A$/.test(a));
}

/**
 * Asserts a read ended well: exit 0, only valid protocol messages, and the
 * STATE and STREAM_STATUS rules kept for each of `streams`.
 */
export function assertCleanRead(run: CliRun, streams: string[]): void {
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-1500));
  assert.deepEqual(protocolErrors(run.messages), []);
  assert.deepEqual(checkpointViolations(run.messages, streams), []);
}
