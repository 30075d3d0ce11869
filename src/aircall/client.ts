/**
 * The Aircall HTTP client: `fetch` with Basic auth, a timeout on every
 * request, retries with backoff for faults that pass, and a clear
 * {@linkcode ConnectorError} for the ones that do not.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { ConnectorError } from "../errors.ts";

/** The real API's origin; `AIRCALL_API_URL` replaces it. */
export const DEFAULT_API_URL = "https://api.aircall.io";

/** Query parameters of a GET request. */
export type Query = Record<string, string | number>;

/** Options of an {@linkcode AircallClient}. */
export interface ClientOptions {
  /** API origin, e.g. `https://api.aircall.io`. */
  baseUrl: string;
  apiId: string;
  apiToken: string;
  /** Longest a request may take, headers and body, in ms (default 60 s). */
  timeoutMs?: number;
  /** Attempts per request for retryable faults (default 5). */
  maxAttempts?: number;
  /** Called before each attempt; resolves when the request may go (pacing). */
  beforeRequest?: () => Promise<void>;
  /** Told about each wait before a retry, for logging. */
  onRetry?: (info: RetryInfo) => void | Promise<void>;
  /** Injectable for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Epoch ms (to read X-AircallApi-Reset). */
  now?: () => number;
}

/** What a retry is waiting for. */
export interface RetryInfo {
  /** Method, path and query of the request (no credentials). */
  request: string;
  /** Why: `HTTP 503`, `timeout`, `network error`... */
  reason: string;
  /** How long the wait is, in ms. */
  waitMs: number;
  /** The attempt that failed, 1-based. */
  attempt: number;
  /** Whether the wait is the API's rate limit. */
  rateLimited: boolean;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** A fault worth another attempt. */
class _RetryableFault extends Error {
  constructor(message: string, readonly waitMs?: number) {
    super(message);
  }
}

/**
 * Reads the reset time of a 429 as a wait in ms: `X-AircallApi-Reset` holds
 * unix seconds, or milliseconds when above 10^12; 60 s when absent.
 */
export function rateLimitWaitMs(headers: Headers, now: number): number {
  const reset = Number(headers.get("x-aircallapi-reset"));
  if (!Number.isFinite(reset) || reset <= 0) return 60_000;
  const resetMs = reset > 1e12 ? reset : reset * 1000;
  return Math.min(Math.max(resetMs - now, 1000), 120_000);
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
  #options: Required<Omit<ClientOptions, "beforeRequest" | "onRetry">> & {
    beforeRequest?: () => Promise<void>;
    onRetry?: (info: RetryInfo) => void | Promise<void>;
  };
  #authorization: string;

  /** @param options Origin, credentials and policies. */
  constructor(options: ClientOptions) {
    this.#options = {
      timeoutMs: 60_000,
      maxAttempts: 5,
      fetch: globalThis.fetch,
      sleep: _sleep,
      random: Math.random,
      now: Date.now,
      ...options,
    };
    this.#authorization = "Basic " +
      Buffer.from(`${options.apiId}:${options.apiToken}`).toString("base64");
  }

  /**
   * GETs a path and parses its JSON body, retrying faults that pass.
   *
   * @param path API path such as `/v1/calls`.
   * @param query Query parameters.
   * @returns The parsed body of a 2xx response.
   * @throws {ConnectorError} `config_error` on 401/403, `system_error` on
   *   other 4xx, `transient_error` once retries are exhausted.
   */
  async get(path: string, query: Query = {}): Promise<unknown> {
    const url = new URL(path, this.#options.baseUrl);
    for (const [key, value] of Object.entries(query)) {
      url.searchParams.set(key, String(value));
    }
    const request = `GET ${url.pathname}${url.search}`;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#attempt(url, request);
      } catch (error) {
        if (!(error instanceof _RetryableFault)) throw error;
        if (attempt >= this.#options.maxAttempts) {
          throw new ConnectorError(
            "transient_error",
            `Aircall kept failing on ${request} (${error.message}) after ${attempt} attempts; try the sync again later.`,
          );
        }
        const backoff = Math.min(1000 * 2 ** (attempt - 1), 30_000);
        const waitMs = error.waitMs ??
          Math.round(backoff * (0.5 + this.#options.random()));
        await this.#options.onRetry?.({
          request,
          reason: error.message,
          waitMs,
          attempt,
          rateLimited: error.waitMs !== undefined,
        });
        await this.#options.sleep(waitMs);
      }
    }
  }

  async #attempt(url: URL, request: string): Promise<unknown> {
    await this.#options.beforeRequest?.();
    let response: Response;
    let text: string;
    try {
      response = await this.#options.fetch(url, {
        headers: {
          authorization: this.#authorization,
          accept: "application/json",
        },
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      throw new _RetryableFault(
        name === "TimeoutError"
          ? `no answer within ${this.#options.timeoutMs} ms`
          : `network error: ${(error as Error).message}`,
      );
    }
    if (response.status === 429) {
      throw new _RetryableFault(
        "HTTP 429 rate limited",
        rateLimitWaitMs(response.headers, this.#options.now()),
      );
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      throw new _RetryableFault(`HTTP ${response.status}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new ConnectorError(
        "config_error",
        `Aircall rejected the API key (HTTP ${response.status}); check api_id and api_token.`,
        `${request}: ${_summary(text)}`,
      );
    }
    if (!response.ok) {
      throw new ConnectorError(
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
