/**
 * The one error type the connector raises on purpose: it carries the
 * Airbyte `failure_type` and a message written for the person reading it.
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
 * Turns anything thrown into a {@linkcode ConnectorError}; unexpected errors
 * become `system_error`s that keep their message and stack as internal detail.
 */
export function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
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
