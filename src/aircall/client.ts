/**
 * The Aircall HTTP client: `fetch` with Basic auth, paced by the run's
 * {@linkcode Scheduler}, a timeout on every request, retries with backoff
 * and jitter for faults that pass, obedience to Aircall's rate-limit headers,
 * and a clear {@linkcode ConnectorError} for the faults that do not pass.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { ConnectorError, HttpError } from "../errors.ts";
import { Scheduler } from "./scheduler.ts";

/** The real API's origin; `AIRCALL_API_URL` replaces it. */
export const DEFAULT_API_URL = "https://api.aircall.io";

/** Query parameters of a GET request. */
export type Query = Record<string, string | number>;

/** Options of an {@linkcode AircallClient}. */
export interface ClientOptions {
  /** API origin, e.g. `https://api.aircall.io`. */
  baseUrl: string;
  /** Basic auth user: the API key's id. */
  apiId: string;
  /** Basic auth password: the API key's token. */
  apiToken: string;
  /** Paces every request of the run (default: 60 per minute, the spec's default). */
  scheduler?: Scheduler;
  /** Longest wait for the response headers, connecting included, in ms (default 30 s). */
  headersTimeoutMs?: number;
  /** Longest a whole request may take, body included, in ms (default 120 s). */
  timeoutMs?: number;
  /** Attempts per request for faults other than the rate limit (default 6). */
  maxAttempts?: number;
  /** Rate-limit waits per request before giving up (default 10). */
  maxRateLimitWaits?: number;
  /** Told about each wait before a retry, for logs and statuses. */
  onRetry?: (info: RetryInfo) => void | Promise<void>;
  /** Injectable for tests: the HTTP client. */
  fetch?: typeof fetch;
  /** Injectable for tests: waits between retries. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: the jitter's randomness, in [0, 1). */
  random?: () => number;
  /** Epoch ms (to read X-AircallApi-Reset). */
  now?: () => number;
}

/** What a retry is waiting for. */
export interface RetryInfo {
  /** Method, path and query of the request (no credentials). */
  request: string;
  /** Why: `HTTP 503`, `no response headers within 30000 ms`... */
  reason: string;
  /** How long the wait is, in ms. */
  waitMs: number;
  /** The attempt that failed, 1-based. */
  attempt: number;
  /** Whether the wait is Aircall's rate-limit block. */
  rateLimited: boolean;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** A fault worth another attempt; `rateLimitMs` when Aircall said how long. */
class _RetryableFault extends Error {
  constructor(message: string, readonly rateLimitMs?: number) {
    super(message);
  }
}

/** Aircall's documented block after a 429, used when it does not say. */
const BLOCK_MS = 60_000;

/**
 * Reads the reset time of a rate limit as a wait in ms: `X-AircallApi-Reset`
 * holds unix seconds, or milliseconds when above 10^12. When it is absent,
 * not a time, or already past (clock skew), the documented 60 s block is
 * waited out rather than hammering a blocked company; never more than 120 s.
 *
 * @param headers The response's headers.
 * @param now The current time in epoch ms.
 */
export function rateLimitWaitMs(headers: Headers, now: number): number {
  const reset = Number(headers.get("x-aircallapi-reset"));
  if (!Number.isFinite(reset) || reset <= 0) return BLOCK_MS;
  const resetMs = reset > 1e12 ? reset : reset * 1000;
  if (resetMs <= now) return BLOCK_MS;
  return Math.min(resetMs - now, 2 * BLOCK_MS);
}

function _sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A GET-only client for Aircall's REST API.
 *
 * @example
 * ```ts
 * const client = new AircallClient({ baseUrl, apiId, apiToken });
 * const body = await client.get("/v1/ping");
 * ```
 */
export class AircallClient {
  #baseUrl: string;
  #authorization: string;
  #scheduler: Scheduler;
  #headersTimeoutMs: number;
  #timeoutMs: number;
  #maxAttempts: number;
  #maxRateLimitWaits: number;
  #onRetry?: (info: RetryInfo) => void | Promise<void>;
  #fetch: typeof fetch;
  #sleep: (ms: number) => Promise<void>;
  #random: () => number;
  #now: () => number;

  /**
   * Creates a client.
   *
   * @param options Origin, credentials and policies.
   */
  constructor(options: ClientOptions) {
    this.#baseUrl = options.baseUrl;
    this.#authorization = "Basic " +
      Buffer.from(`${options.apiId}:${options.apiToken}`).toString("base64");
    this.#scheduler = options.scheduler ?? new Scheduler(60);
    this.#headersTimeoutMs = options.headersTimeoutMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#maxAttempts = options.maxAttempts ?? 6;
    this.#maxRateLimitWaits = options.maxRateLimitWaits ?? 10;
    this.#onRetry = options.onRetry;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? _sleep;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /**
   * GETs a path and parses its JSON body, retrying faults that pass.
   *
   * @param path API path such as `/v1/calls`.
   * @param query Query parameters.
   * @param signal Gives the request up: no further attempt, wait or retry
   *   once it aborts (an attempt already sent runs its course).
   * @returns The parsed body of a 2xx response.
   * @throws {ConnectorError} `config_error` on 401/403, `system_error` on
   *   other 4xx (both an {@linkcode HttpError} with the status),
   *   `transient_error` once retries are exhausted.
   */
  async get(
    path: string,
    query: Query = {},
    signal?: AbortSignal,
  ): Promise<unknown> {
    const url = new URL(path, this.#baseUrl);
    for (const [key, value] of Object.entries(query)) {
      url.searchParams.set(key, String(value));
    }
    const request = `GET ${url.pathname}${url.search}`;
    // Rate-limit waits and other faults have budgets of their own: waiting
    // out a busy company's limit is not the API failing.
    let faults = 0;
    let waits = 0;
    for (let attempt = 1;; attempt++) {
      try {
        signal?.throwIfAborted();
        await this.#scheduler.take();
        signal?.throwIfAborted();
        return await this.#attempt(url, request);
      } catch (error) {
        if (!(error instanceof _RetryableFault)) throw error;
        const rateLimited = error.rateLimitMs !== undefined;
        // Given up on: no retry, but a rate-limit block still holds the run.
        if (!rateLimited) signal?.throwIfAborted();
        const exhausted = rateLimited
          ? ++waits > this.#maxRateLimitWaits
          : ++faults >= this.#maxAttempts;
        if (exhausted) {
          throw new ConnectorError(
            "transient_error",
            `Aircall kept failing on ${request} (${error.message}) after ${attempt} attempts; try the sync again later.`,
          );
        }
        const backoff = Math.min(1000 * 2 ** (faults - 1), 60_000);
        const waitMs = error.rateLimitMs ??
          Math.round(backoff * (0.5 + this.#random()));
        await this.#onRetry?.({
          request,
          reason: error.message,
          waitMs,
          attempt,
          rateLimited,
        });
        // A rate-limit block holds every request of the run, not just this one.
        if (rateLimited) this.#scheduler.pause(waitMs);
        else await this.#sleep(waitMs);
      }
    }
  }

  async #attempt(url: URL, request: string): Promise<unknown> {
    const controller = new AbortController();
    const timeout = (ms: number, what: string) =>
      setTimeout(
        () =>
          controller.abort(
            new DOMException(`${what} within ${ms} ms`, "TimeoutError"),
          ),
        ms,
      );
    const headersTimer = timeout(this.#headersTimeoutMs, "no response headers");
    const wholeTimer = timeout(this.#timeoutMs, "no complete response");
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        headers: {
          authorization: this.#authorization,
          accept: "application/json",
        },
        signal: controller.signal,
      });
      clearTimeout(headersTimer);
      text = await response.text();
    } catch (error) {
      const reason = controller.signal.aborted
        ? (controller.signal.reason as Error).message
        : `network error: ${(error as Error).message}`;
      throw new _RetryableFault(reason);
    } finally {
      clearTimeout(headersTimer);
      clearTimeout(wholeTimer);
    }
    this.#obeyRateLimitHeaders(response, request);
    if (response.status === 429) {
      throw new _RetryableFault(
        "HTTP 429 rate limited",
        rateLimitWaitMs(response.headers, this.#now()),
      );
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      throw new _RetryableFault(`HTTP ${response.status}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new HttpError(
        response.status,
        "config_error",
        `Aircall rejected the API key (HTTP ${response.status}); check api_id and api_token.`,
        `${request}: ${_summary(text)}`,
      );
    }
    if (!response.ok) {
      throw new HttpError(
        response.status,
        "system_error",
        `Aircall refused ${request} with HTTP ${response.status}: ${
          _summary(text)
        }`,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      // A cut connection can leave a truncated body behind a 200.
      throw new _RetryableFault("response body is not valid JSON");
    }
  }

  /** Lowers the pace to a reported limit; pauses when none is left. */
  #obeyRateLimitHeaders(response: Response, request: string): void {
    const limit = Number(response.headers.get("x-aircallapi-limit"));
    if (Number.isInteger(limit) && limit > 0) this.#scheduler.lowerTo(limit);
    const remaining = response.headers.get("x-aircallapi-remaining");
    if (
      response.status !== 429 && remaining !== null && Number(remaining) <= 0
    ) {
      const waitMs = rateLimitWaitMs(response.headers, this.#now());
      this.#scheduler.pause(waitMs);
      // Reported like a 429's wait (a status and a log line), with no retry.
      void this.#onRetry?.({
        request,
        reason: "no requests left in Aircall's rate limit",
        waitMs,
        attempt: 0,
        rateLimited: true,
      });
    }
  }
}

/** The useful part of an error body, on one line. */
function _summary(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const parts = [body.error, body.message, body.troubleshoot]
      .filter((part) => typeof part === "string" && part.length > 0);
    if (parts.length > 0) return parts.join(" - ");
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.replace(/\s+/g, " ").slice(0, 200) || "(empty body)";
}
