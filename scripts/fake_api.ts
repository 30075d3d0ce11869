/**
 * `deno task fake`: the project's fake Aircall API (tests/fake_aircall/) on
 * 127.0.0.1, to try the connector by hand and to smoke-test a release's
 * binaries, npm package and image against (the release workflow does).
 *
 * - `deno task fake [--config FILE]` prints the fake's URL on stdout and
 *   serves until Ctrl-C (or SIGTERM).
 * - `deno task fake [--config FILE] -- COMMAND [ARG...]` runs COMMAND with
 *   `AIRCALL_API_URL` set to the fake, then stops the fake and exits with
 *   COMMAND's exit code. stdout is COMMAND's alone.
 *
 * `--config FILE` writes a connector config for the fake (its credentials,
 * no rate limit) to FILE first. FILE must not exist: the fake never replaces
 * a file (it may be the user's real config); it says so and exits with 1.
 *
 * @module
 */

import { FakeAircall } from "../tests/fake_aircall/mod.ts";

/** The credentials the fake accepts: placeholders, not a real key. */
export const FAKE_CREDENTIALS = {
  api_id: "fake-api-id",
  api_token: "fake-api-token",
} as const;

/**
 * A connector config for the fake: its credentials, every record it holds,
 * and no pacing (the fake has no rate limit).
 *
 * @returns The config as `check`, `discover` and `read` take it.
 */
export function fakeConfig(): Record<string, unknown> {
  return {
    ...FAKE_CREDENTIALS,
    start_date: "2020-01-01T00:00:00Z",
    max_requests_per_minute: 100000,
  };
}

/** What the command line asks for. */
export interface FakeApiArgs {
  /** Where to write a config for the fake, if anywhere. */
  config?: string;
  /** The command to run against the fake; empty to serve until stopped. */
  command: string[];
}

const _USAGE = "Usage: deno task fake [--config FILE] [-- COMMAND [ARG...]]";

/**
 * Parses the arguments of `deno task fake`.
 *
 * @param args The arguments after the task name.
 * @returns The parsed arguments.
 * @throws {Error} With the usage line when an argument is not understood.
 */
export function parseFakeApiArgs(args: readonly string[]): FakeApiArgs {
  const dash = args.indexOf("--");
  const options = dash >= 0 ? args.slice(0, dash) : [...args];
  const command = dash >= 0 ? args.slice(dash + 1) : [];
  if (dash >= 0 && command.length === 0) {
    throw new Error(`Give a command after "--". ${_USAGE}`);
  }
  const parsed: FakeApiArgs = { command };
  for (let i = 0; i < options.length; i++) {
    if (options[i] === "--config" && options[i + 1] !== undefined) {
      parsed.config = options[++i];
    } else {
      throw new Error(`Unexpected argument "${options[i]}". ${_USAGE}`);
    }
  }
  return parsed;
}

async function _runCommand(command: string[], url: string): Promise<number> {
  try {
    const child = new Deno.Command(command[0], {
      args: command.slice(1),
      env: { AIRCALL_API_URL: url },
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    return (await child.status).code;
  } catch (error) {
    console.error(
      `Cannot run ${command[0]}: ${
        (error as Error).message
      }. Check the command after "--".`,
    );
    return 127;
  }
}

/** Resolves on Ctrl-C, or SIGTERM where the platform has it. */
function _stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = Deno.build.os === "windows"
      ? ["SIGINT"]
      : ["SIGINT", "SIGTERM"];
    for (const signal of signals) Deno.addSignalListener(signal, resolve);
  });
}

if (import.meta.main) {
  let args: FakeApiArgs;
  try {
    args = parseFakeApiArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  if (args.config) {
    try {
      // Never over a file that exists: it may be the user's real config.
      await Deno.writeTextFile(
        args.config,
        JSON.stringify(fakeConfig()) + "\n",
        { createNew: true },
      );
    } catch (error) {
      console.error(
        error instanceof Deno.errors.AlreadyExists
          ? `${args.config} exists already; the fake writes its config only to a new file, so remove it or give another path to --config.`
          : `Cannot write the fake's config to ${args.config}: ${
            (error as Error).message
          }. Give --config a path in a directory you can write.`,
      );
      Deno.exit(1);
    }
  }
  const fake = await FakeAircall.start({
    apiId: FAKE_CREDENTIALS.api_id,
    apiToken: FAKE_CREDENTIALS.api_token,
  });
  let code = 0;
  if (args.command.length > 0) {
    console.error(
      `Fake Aircall API on ${fake.url}: running ${args.command[0]}`,
    );
    code = await _runCommand(args.command, fake.url);
  } else {
    console.log(fake.url);
    console.error(
      `Fake Aircall API on ${fake.url}${
        args.config ? `; config for it in ${args.config}` : ""
      }. Run the connector with AIRCALL_API_URL=${fake.url}. Ctrl-C stops it.`,
    );
    await _stopSignal();
    console.error("Stopping the fake Aircall API.");
  }
  await fake.close();
  Deno.exit(code);
}
