/**
 * The error types the connector raises on purpose: each carries the Airbyte
 * `failure_type` and a message written for the person reading it; a few kinds
 * end the whole run or are the command line's fault.
 *
 * @module
 */

/** Airbyte's classification of a failure. */
export type FailureType = "config_error" | "system_error" | "transient_error";

/**
 * A failure with a user-facing one-line message.
 *
 * @example
 * ```ts
 * throw new ConnectorError("config_error", "Config file config.json is not JSON.");
 * ```
 */
export class ConnectorError extends Error {
  /** Who has to act: the user (config), nobody (transient), or us (system). */
  readonly failureType: FailureType;
  /** Technical detail for the platform's logs (never a secret). */
  readonly internalMessage?: string;

  /**
   * Creates a failure.
   *
   * @param failureType How Airbyte should classify the failure.
   * @param message One line for humans: what went wrong and what to do.
   * @param internalMessage Optional technical detail.
   */
  constructor(
    failureType: FailureType,
    message: string,
    internalMessage?: string,
  ) {
    super(message);
    this.name = "ConnectorError";
    this.failureType = failureType;
    this.internalMessage = internalMessage;
  }
}

/**
 * A request Aircall answered with an HTTP status the client does not retry
 * (401, 403, 400, 404...): the status tells callers that expect some (a
 * fan-out's 404 for a parent deleted meanwhile) from real failures.
 */
export class HttpError extends ConnectorError {
  /** The HTTP status Aircall answered. */
  readonly status: number;

  /**
   * Creates a refusal.
   *
   * @param status The HTTP status.
   * @param failureType How Airbyte should classify the failure.
   * @param message One line for humans: what went wrong and what to do.
   * @param internalMessage Optional technical detail.
   */
  constructor(
    status: number,
    failureType: FailureType,
    message: string,
    internalMessage?: string,
  ) {
    super(failureType, message, internalMessage);
    this.name = "HttpError";
    this.status = status;
  }
}

/**
 * A failure that ends the whole run, not only the stream it happened in:
 * every other stream would fail the same way (a wrong key, an API that cannot
 * be reached, a missing permission), so reading on would only repeat it.
 */
export class RunStoppingError extends ConnectorError {}

/**
 * Aircall refused the API key (HTTP 401 or 403): a `config_error` that stops
 * the run at the first one. A caller for whom a 403 means something narrower
 * (a missing add-on) catches it and throws a stream-only error instead.
 *
 * @example
 * ```ts
 * throw new CredentialsError(403, "Aircall rejected the API key (HTTP 403); check api_id and api_token.");
 * ```
 */
export class CredentialsError extends RunStoppingError {
  /** The HTTP status Aircall answered: 401 or 403. */
  readonly status: number;
  /** What Aircall's body said beyond "Unauthorized" or "Forbidden", if anything. */
  readonly explanation?: string;

  /**
   * Creates the failure.
   *
   * @param status The HTTP status, 401 or 403.
   * @param message One line for humans.
   * @param internalMessage The request and Aircall's answer.
   * @param explanation What Aircall's body said beyond the status word.
   */
  constructor(
    status: number,
    message: string,
    internalMessage?: string,
    explanation?: string,
  ) {
    super("config_error", message, internalMessage);
    this.name = "CredentialsError";
    this.status = status;
    this.explanation = explanation;
  }
}

/** The API could not be reached at all: no connection was ever made. */
export class UnreachableError extends RunStoppingError {}

/** The runtime denied a permission the connector needs (Deno's `--allow-*`). */
export class PermissionError extends RunStoppingError {}

/**
 * A command-line mistake (unknown option, extra argument, bad `--streams`):
 * the CLI exits 2 for it.
 */
export class UsageError extends ConnectorError {
  /**
   * Creates the failure.
   *
   * @param message One line: what is wrong and the closest valid choice.
   */
  constructor(message: string) {
    super("config_error", message);
    this.name = "UsageError";
  }
}

/**
 * The permissions the connector runs with, as the README passes them.
 * Kept here (not imported from `scripts/`) so `src/` stands alone; a test
 * holds it equal to `CLI_PERMISSIONS` in `scripts/run_flags.ts`.
 */
export const PERMISSION_FLAGS = "--allow-net --allow-read --allow-env";

/**
 * Recognises Deno's refusal of a permission (`NotCapable`, formerly
 * `PermissionDenied`) and says which flag is missing.
 *
 * @param error Anything thrown.
 * @returns A {@linkcode PermissionError}, or `undefined` for any other error.
 */
export function permissionError(error: unknown): PermissionError | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name !== "NotCapable" && error.name !== "PermissionDenied") {
    return undefined;
  }
  const match =
    /Requires (\w+) access to (.*?), run again with the (--allow-[\w-]+) flag/
      .exec(error.message);
  const what = match ? `${match[1]} access to ${match[2]}` : "a permission";
  const flag = match ? match[3] : "the flags it needs";
  return new PermissionError(
    "config_error",
    `Deno denied ${what}; run with ${flag} (the README's commands pass ${PERMISSION_FLAGS}).`,
  );
}

/**
 * Turns anything thrown into a {@linkcode ConnectorError}; unexpected errors
 * become `system_error`s that keep their message and stack as internal detail.
 */
export function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const denied = permissionError(error);
  if (denied) return denied;
  const detail = error instanceof Error
    ? (error.stack ?? `${error.name}: ${error.message}`)
    : String(error);
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError(
    "system_error",
    `Unexpected error: ${message.split("\n")[0]}`,
    detail,
  );
}
