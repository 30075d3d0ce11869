/**
 * The Aircall HTTP client: `fetch` with Basic auth, paced by the run's
 * {@linkcode Scheduler}, a timeout on every request, retries with backoff
 * and jitter for faults that pass, obedience to Aircall's rate-limit headers,
 * and a clear {@linkcode ConnectorError} for the faults that do not pass.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  ConnectorError,
  CredentialsError,
  HttpError,
  permissionError,
  UnreachableError,
} from "../errors.ts";
import { explainRefusal } from "./refusal.ts";
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
  /**
   * Longest one `get` may take, its retries and waits included, in ms
   * (default: no limit beyond the attempts). `check` gives up after 10 s.
   */
  deadlineMs?: number;
  /** Told about each wait before a retry, for logs and statuses. */
  onRetry?: (info: RetryInfo) => void | Promise<void>;
  /** Told about each attempt once it was answered or failed (`--debug`, progress). */
  onResponse?: (info: ResponseInfo) => void | Promise<void>;
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

/** One attempt of a request, as `--debug` logs it. */
export interface ResponseInfo {
  /** Method, path and query of the request (no credentials). */
  request: string;
  /** The HTTP status, when a response came. */
  status?: number;
  /** Why no usable response came (`cannot connect to ...`, a timeout). */
  failure?: string;
  /** The attempt, 1-based. */
  attempt: number;
  /** How long the attempt took, in ms. */
  ms: number;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Attempts of a request that cannot connect while no request of the run has
 * ever reached the API: a wrong origin or a machine offline does not pass,
 * so two retries are enough to tell it from a blip.
 */
const FIRST_CONNECT_ATTEMPTS = 3;

/**
 * A fault worth another attempt; `rateLimitMs` when Aircall said how long;
 * `connect` when no connection was made (refused, DNS, TLS), with the most
 * attempts such a fault deserves (a port fetch refuses gets one).
 */
class _RetryableFault extends Error {
  constructor(
    message: string,
    readonly rateLimitMs?: number,
    readonly connect?: { attempts: number },
  ) {
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
  #deadlineMs?: number;
  #onRetry?: (info: RetryInfo) => void | Promise<void>;
  #onResponse?: (info: ResponseInfo) => void | Promise<void>;
  /** Whether any request of this client (one run) got an HTTP response. */
  #reached = false;
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
    this.#deadlineMs = options.deadlineMs;
    this.#onRetry = options.onRetry;
    this.#onResponse = options.onResponse;
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
   * @throws {CredentialsError} On 401/403.
   * @throws {UnreachableError} When the API was never reached in this run
   *   and the connection fails (refused, DNS, TLS) after two retries.
   * @throws {HttpError} A `system_error` with the status on other 4xx.
   * @throws {ConnectorError} A `transient_error` once retries are exhausted
   *   or the deadline passed.
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
    const deadline = this.#deadlineMs === undefined
      ? Infinity
      : performance.now() + this.#deadlineMs;
    // Rate-limit waits and other faults have budgets of their own: waiting
    // out a busy company's limit is not the API failing.
    let faults = 0;
    let waits = 0;
    for (let attempt = 1;; attempt++) {
      try {
        signal?.throwIfAborted();
        await this.#scheduler.take();
        signal?.throwIfAborted();
        return await this.#attempt(url, request, attempt, deadline);
      } catch (error) {
        if (!(error instanceof _RetryableFault)) throw error;
        const rateLimited = error.rateLimitMs !== undefined;
        // Given up on: no retry, but a rate-limit block still holds the run.
        if (!rateLimited) signal?.throwIfAborted();
        const unreachable = error.connect !== undefined && !this.#reached;
        const exhausted = rateLimited
          ? ++waits > this.#maxRateLimitWaits
          : ++faults >= (unreachable
            ? Math.min(error.connect!.attempts, FIRST_CONNECT_ATTEMPTS)
            : this.#maxAttempts);
        const backoff = Math.min(1000 * 2 ** (faults - 1), 60_000);
        const waitMs = error.rateLimitMs ??
          Math.round(backoff * (0.5 + this.#random()));
        const late = performance.now() + waitMs >= deadline;
        if (unreachable && (exhausted || late)) {
          throw new UnreachableError(
            this.#baseUrl === DEFAULT_API_URL
              ? "transient_error"
              : "config_error",
            `${_capitalized(error.message)}.`,
            `${request}: ${attempt} attempts`,
          );
        }
        if (exhausted) {
          throw new ConnectorError(
            "transient_error",
            `Aircall kept failing on ${request} (${error.message}) after ${attempt} attempts; try the sync again later.`,
          );
        }
        if (late) {
          throw new ConnectorError(
            "transient_error",
            `Aircall did not answer ${request} within ${
              Math.round(this.#deadlineMs! / 1000)
            } s (${error.message}); try again later.`,
          );
        }
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

  async #attempt(
    url: URL,
    request: string,
    attempt: number,
    deadline: number,
  ): Promise<unknown> {
    const started = performance.now();
    const report = (info: Pick<ResponseInfo, "status" | "failure">) =>
      this.#onResponse?.({
        request,
        attempt,
        ms: Math.round(performance.now() - started),
        ...info,
      });
    const left = Math.max(0, Math.floor(deadline - started));
    const controller = new AbortController();
    const timeout = (ms: number, what: string) =>
      setTimeout(
        () =>
          controller.abort(
            new DOMException(`${what} within ${ms} ms`, "TimeoutError"),
          ),
        ms,
      );
    const headersTimer = timeout(
      Math.min(this.#headersTimeoutMs, left),
      "no response headers",
    );
    const wholeTimer = timeout(
      Math.min(this.#timeoutMs, left),
      "no complete response",
    );
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
      const denied = permissionError(error);
      if (denied) throw denied;
      const fault = controller.signal.aborted
        ? new _RetryableFault((controller.signal.reason as Error).message)
        : _networkFault(error, url, this.#baseUrl);
      await report({ failure: fault.message });
      throw fault;
    } finally {
      clearTimeout(headersTimer);
      clearTimeout(wholeTimer);
    }
    this.#reached = true;
    await report({ status: response.status });
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
      const said = explainRefusal(text);
      const explanation = said && !/^(unauthorized|forbidden)$/i.test(said)
        ? said
        : undefined;
      throw new CredentialsError(
        response.status,
        `Aircall rejected the API key (HTTP ${response.status}); check api_id and api_token.${
          explanation ? ` Aircall said: ${explanation}` : ""
        }`,
        `${request}: ${said || "(empty body)"}`,
        explanation,
      );
    }
    if (!response.ok) {
      throw new HttpError(
        response.status,
        "system_error",
        `Aircall refused ${request} with HTTP ${response.status}: ${
          explainRefusal(text) || "(empty body)"
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

function _capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Every message and code along an error's causes (and an AggregateError's). */
function _causes(error: unknown): { messages: string[]; codes: string[] } {
  const messages: string[] = [];
  const codes: string[] = [];
  const queue = [error];
  for (let depth = 0; queue.length > 0 && depth < 16; depth++) {
    const next = queue.shift() as
      | { message?: unknown; code?: unknown; cause?: unknown; errors?: unknown }
      | undefined;
    if (typeof next !== "object" || next === null) continue;
    if (typeof next.message === "string") messages.push(next.message);
    if (typeof next.code === "string") codes.push(next.code);
    if (next.cause) queue.push(next.cause);
    if (Array.isArray(next.errors)) queue.push(...next.errors);
  }
  return { messages, codes };
}

/** Known ways of failing to connect: what Node says (codes), what Deno says (text). */
const _CONNECT_CAUSES: { test: RegExp; cause: string; detail?: true }[] = [
  { test: /ECONNREFUSED|connection refused/i, cause: "connection refused" },
  {
    test: /ENOTFOUND|EAI_NONAME|EAI_AGAIN|EAI_FAIL|dns error|failed to lookup/i,
    cause: "the host name does not resolve (DNS)",
  },
  {
    test:
      /ERR_SSL|ERR_TLS|CERT_|UNABLE_TO_|SELF_SIGNED|certificate|InvalidContentType|corrupt message|handshake/i,
    cause: "the TLS handshake failed",
    detail: true,
  },
  { test: /EHOSTUNREACH|ENETUNREACH/i, cause: "no route to host" },
];

/**
 * Describes a fetch that failed before any response: the host, the cause
 * (refused, DNS, TLS, a port fetch blocks) and what to check, or the
 * runtime's own words for anything else (a reset, a cut connection).
 */
function _networkFault(
  error: unknown,
  url: URL,
  baseUrl: string,
): _RetryableFault {
  const { messages, codes } = _causes(error);
  const text = [...codes, ...messages].join(" ");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const where = `cannot connect to ${url.hostname}:${port}`;
  const hint = baseUrl === DEFAULT_API_URL
    ? `check this machine's network access to ${url.hostname}`
    : "check AIRCALL_API_URL";
  if (/bad port|are blocked/i.test(text)) {
    // fetch refuses such ports outright (the Fetch standard's "bad ports").
    return new _RetryableFault(
      `${where}: fetch does not allow port ${port}; ${hint}`,
      undefined,
      { attempts: 1 },
    );
  }
  const known = _CONNECT_CAUSES.find(({ test }) => test.test(text));
  if (known) {
    const detail = known.detail && _detail(codes, messages);
    return new _RetryableFault(
      `${where}: ${known.cause}${detail ? ` (${detail})` : ""}; ${hint}`,
      undefined,
      { attempts: Infinity },
    );
  }
  return new _RetryableFault(
    `network error: ${(messages.at(-1) ?? String(error)).split("\n")[0]}`,
  );
}

/** The most specific words of a connect failure, on one line. */
function _detail(codes: string[], messages: string[]): string {
  const code = codes.at(-1);
  if (code) return code;
  const deepest = (messages.at(-1) ?? "").split("\n")[0];
  // Deno: "error sending request for url (...): client error (Connect): <why>".
  const why = deepest.replace(/^.*\(Connect\):\s*/, "");
  return why === deepest && /fetch failed/i.test(why) ? "" : why;
}
