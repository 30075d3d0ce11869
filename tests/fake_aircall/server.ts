/**
 * A faithful fake of the Aircall REST API, served over HTTP on 127.0.0.1.
 *
 * It reproduces the traps of the real API (see /work/shared/aircall-api-notes.md): the positional
 * 10,000-result cap, `per_page` silently clamped to 50, `from` exclusive on calls but inclusive on
 * contacts, the ~6-month calls horizon, webhooks meta without links, 401 vs 403, varying envelope
 * key order, the calls list's expansion flags (`fetch_contact`, `fetch_call_timeline`,
 * `fetch_aiva_conv`, `fetch_short_urls`: what a request does not ask for is null or absent),
 * each user's numbers at `/v2/users/{id}/numbers` (404 for a user that does not exist), and each
 * user's Power Dialer campaign and queue at `/v1/users/{id}/dialer_campaign[/phone_numbers]`
 * (404 for a user without a campaign; the queue paged like any list). Only
 * `node:` built-ins and web APIs are used, so it runs under Deno and Node.
 *
 * Routing and responses live in {@link FakeAircall.handle}, a synchronous function of a request;
 * {@link FakeAircall.interceptors} run before it so ad-hoc answers can be added without touching the
 * routing. Built-in fault switches ({@link FakeFaults}: per-company rate limit with 429 and
 * X-AircallApi-* headers, random 5xx, connection resets, stalls, truncated bodies, and a kill
 * point) are settable at start or at any time through {@link FakeAircall.faults}, and counted in
 * {@link FakeAircall.stats}. Each request goes through, in this order: the rate limit, the kill
 * point, the random faults (drawn from a stream seeded by the fake's seed), then interceptors and
 * {@link FakeAircall.handle}.
 *
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  CALLS_HISTORY_SECONDS,
  createCalls,
  createContacts,
  type FakeCall,
  type FakeContact,
  type FakeCounts,
  type FakeData,
  generateData,
  type Rng,
  streamRng,
} from "./data.ts";
import {
  AI_RESOURCES,
  aiBody,
  type FakeAiLateness,
  type FakeAiName,
  type FakeEnvelope,
  recordingAttachedAt,
} from "./ai.ts";

/** Options of {@link FakeAircall.start}. */
export interface FakeAircallOptions {
  /** "Now" of the fake, unix seconds. Default Math.floor(Date.now()/1000). Data is generated relative to it. */
  now?: number;
  /** PRNG seed; default 1. */
  seed?: number;
  /** How many of each kind of record; missing kinds take the defaults. */
  counts?: Partial<FakeCounts>;
  /** Basic-auth username; default "test-api-id". */
  apiId?: string;
  /** Basic-auth password; default "test-api-token". */
  apiToken?: string;
  /** Fault switches active from the first request; default none. The object is used as is (not copied). */
  faults?: FakeFaults;
  /** Wall clock of the rate limiter, unix milliseconds; default Date.now. Tests may pass a manual clock. */
  clock?: () => number;
}

/**
 * The rate-limit switch of {@link FakeFaults}: at most `limit` requests in any rolling window of
 * `windowMs` (a request at time t counts while the clock is below t + windowMs). The request over
 * the limit is answered 429 and blocks the company for `blockMs`; every request during the block
 * is answered 429 too and does not count; the window starts empty when the block ends.
 */
export interface FakeRateLimit {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in milliseconds; default 60_000. */
  windowMs?: number;
  /** Block length in milliseconds after the limit is exceeded; default 60_000. */
  blockMs?: number;
  /** Unit of X-AircallApi-Reset: "s" (unix seconds, rounded up; default) or "ms" (unix milliseconds). */
  resetUnit?: "s" | "ms";
  /** Whether 429 responses carry the X-AircallApi-* headers; default true. */
  headers?: boolean;
}

/** The kill-point switch of {@link FakeFaults}. */
export interface FakeKillPoint {
  /**
   * How many requests are let through first. Requests are counted from the moment this object is
   * installed (at start, or when it replaces another), every request received counting, rate-limited
   * ones included. The next request that passes the rate limit calls `action` and stalls.
   */
  afterRequests: number;
  /** Called once (e.g. to SIGKILL a connector subprocess). If it throws, that request gets a 500. */
  action: () => void;
}

/**
 * Fault switches of the fake, all off by default. Set them with {@link FakeAircallOptions.faults},
 * by assigning {@link FakeAircall.faults}, or by mutating that object; they apply from the next
 * request. State is kept per switch object: installing a new `rateLimit` object starts an empty
 * window with no block, a new `kill` object restarts its count.
 *
 * Order per request: rate limit (a blocked request is answered 429 whatever else applies), kill
 * point, then the random faults (only on paths starting with `pathPrefix`) checked as reset, stall,
 * 5xx, truncation, then the normal handling (interceptors, auth, routing). The random faults draw
 * six numbers per eligible request from a stream seeded by the fake's seed, so a run is repeatable.
 */
export interface FakeFaults {
  /**
   * Per-company rate limit. 429 responses carry X-AircallApi-Limit (= limit),
   * X-AircallApi-Remaining (0) and X-AircallApi-Reset (end of the block) unless `headers` is false;
   * body `{"error":"Too Many Requests","troubleshoot":"..."}`. Normal responses never carry
   * X-AircallApi-* headers (as measured on the real API). Every request received counts.
   */
  rateLimit?: FakeRateLimit;
  /** Probability (0..1) that a request is answered 500, 502, 503 or 504 with a small JSON or HTML body. */
  serverErrorRate?: number;
  /** Probability (0..1) that the connection is destroyed without any response. */
  resetRate?: number;
  /** Probability (0..1) that the server sends nothing for `stallMs`, then answers normally if the socket is still open. */
  stallRate?: number;
  /** Length of a random stall in milliseconds; default 120_000 (effectively forever). */
  stallMs?: number;
  /**
   * Probability (0..1) that a 200 body is cut: headers go out (with the full Content-Length or
   * chunked, half and half), then about half of the body, then the socket is closed.
   */
  truncateRate?: number;
  /** Apply the random faults (5xx, reset, stall, truncation) only to paths starting with this; default all paths. */
  pathPrefix?: string;
  /** Kill point: let `afterRequests` requests through, then call `action()` once and stall every later request. */
  kill?: FakeKillPoint;
  /** Changes to the data while a sync runs: deletions, insertions, calls ageing out. */
  churn?: FakeChurn;
  /** Counts in `meta` (count, total, current_page, per_page) sent as numeric strings. */
  stringMeta?: boolean;
  /** Milliseconds every answer waits before it goes out (a distant API); default 0. */
  latencyMs?: number;
}

/**
 * The churn switch of {@link FakeFaults}: the account changing under a sync. Before answering each
 * request to `path` from the `from`-th to the `until`-th (1-based, counted among the requests to
 * `path` since the switch object was installed), the fake deletes, inserts and ages records as
 * set, in that order. Random choices come from a stream seeded by the fake's seed.
 */
export interface FakeChurn {
  /** The list whose requests trigger the churn and whose records change. */
  path: "/v1/calls" | "/v1/contacts";
  /** First request to `path` that churns; default 1. */
  from?: number;
  /** Last request to `path` that churns; default none. */
  until?: number;
  /** Records deleted before each such request, chosen at random among all of the list's; default 0. */
  deletePerRequest?: number;
  /**
   * Delete instead the record at this 0-based position of the list the request itself reads (its
   * filters and order): position 10 before page 2 is a record of page 1, already read.
   */
  deleteAt?: number;
  /**
   * Records deleted from `deleteAt` on, at once (a bulk delete in the dashboard): positions
   * `deleteAt` to `deleteAt + deleteCount - 1` of the list the request reads; default 1.
   */
  deleteCount?: number;
  /** Records added before each such request, created (contacts) or started (calls) at `changeAt`; default 0. */
  insertPerRequest?: number;
  /** Contacts edited before each such request (chosen at random): their `updated_at` becomes `changeAt`; default 0. */
  editPerRequest?: number;
  /** The second new and edited records carry; default the fake's now at that request. */
  changeAt?: number;
  /** Seconds the fake's now, and so the calls horizon, moves forward before each such request; default 0. */
  agePerRequest?: number;
}

/** Counters of {@link FakeAircall.stats}; each request lands in exactly one of them (a stall that later answers in two). */
export interface FakeStats {
  /** Requests answered by the normal handling (any status), stalled requests answered late included. */
  served: number;
  /** Requests answered 429 by the rate limit. */
  rateLimited: number;
  /** Requests answered a random 5xx. */
  serverErrors: number;
  /** Connections destroyed without a response. */
  resets: number;
  /** Requests stalled, by a random stall or after the kill point. */
  stalls: number;
  /** 200 responses cut in the middle of the body. */
  truncated: number;
}

/** One entry of {@link FakeAircall.requests}. */
export interface FakeRequest {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters (first occurrence of each name). */
  query: Record<string, string>;
  /** Status code answered; 0 when a fault left the request without a complete response (reset, stall, truncation). */
  status: number;
}

/** A request as {@link FakeAircall.handle} and interceptors see it. */
export interface FakeHttpRequest {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters. */
  search: URLSearchParams;
  /** The Authorization header, if any. */
  authorization: string | undefined;
}

/** A response of {@link FakeAircall.handle} or of an interceptor. */
export interface FakeHttpResponse {
  /** Status code. */
  status: number;
  /** Extra response headers (e.g. X-AircallApi-Reset). */
  headers?: Record<string, string>;
  /** JSON-serialisable body; a string is sent verbatim; undefined sends no body. */
  body?: unknown;
}

/**
 * A hook run before routing; returning a response short-circuits the normal handling (this is where
 * rate limits, 5xx and other faults plug in). Returning undefined lets the request through.
 */
export type FakeInterceptor = (
  request: FakeHttpRequest,
  fake: FakeAircall,
) => FakeHttpResponse | undefined | Promise<FakeHttpResponse | undefined>;

/** Largest `per_page` the API honours; larger values are silently clamped. */
export const MAX_PER_PAGE = 50;
/** `per_page` when the parameter is absent. */
export const DEFAULT_PER_PAGE = 20;
/** The positional cap: `page * per_page` may not exceed this. */
export const POSITIONAL_CAP = 10_000;
/** What the 400 of the positional cap says, in its `errors` field. */
export const POSITIONAL_CAP_EXPLANATION =
  "Your query is limited to 10k results, please use timestamps (from, to) to narrow down your search";

interface _Item {
  readonly id: number;
}

type _Key = (item: _Item) => number;

/** How a list endpoint filters on `from`/`to`. */
type _FilterMode = "none" | "calls" | "inclusive";

interface _ListSpec {
  /** The endpoint path. */
  path: string;
  /** Envelope key of the list. */
  key: string;
  /** Whether `meta` comes before the list in the envelope. */
  metaFirst: boolean;
  /** Whether meta carries next/previous page links. */
  links: boolean;
  /** The live array served. */
  items: (data: FakeData) => readonly _Item[];
  /** from/to semantics. */
  filter: _FilterMode;
  /** The value from/to compare against. */
  filterKey?: _Key;
  /** Sort keys by `order_by` name; the first is the default. */
  orderKeys: Record<string, _Key>;
  /** Whether `order_by` is read (and validated). */
  orderByParam: boolean;
  /** The item as this request is served it (the calls list's expansion flags); default as stored. */
  served?: (item: _Item, search: URLSearchParams, fake: FakeAircall) => unknown;
}

/** A list sorted by an order key (ties by id), with the filter key of each item. */
interface _View {
  source: readonly _Item[];
  length: number;
  version: number;
  items: _Item[];
  filterKeys: Float64Array | null;
  /** Whether filterKeys is non-decreasing, so ranges can be binary-searched. */
  monotone: boolean;
}

const _byId: _Key = (r) => r.id;

function _isoSeconds(value: string): number {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? -Infinity : Math.floor(ms / 1000);
}

const _createdIso: _Key = (r) =>
  _isoSeconds((r as _Item & { created_at: string }).created_at);

const _LISTS: Record<string, _ListSpec> = {
  "/v1/calls": {
    path: "/v1/calls",
    key: "calls",
    metaFirst: false,
    links: true,
    items: (d) => d.calls,
    filter: "calls",
    filterKey: (r) => (r as FakeCall).started_at,
    orderKeys: { id: _byId },
    orderByParam: false,
    served: (r, search, fake) =>
      _callAsServed(fake.withRecordingAsOfNow(r as FakeCall), search),
  },
  "/v1/contacts": {
    path: "/v1/contacts",
    key: "contacts",
    metaFirst: true,
    links: true,
    items: (d) => d.contacts,
    filter: "inclusive",
    filterKey: (r) => (r as FakeContact).created_at,
    orderKeys: {
      created_at: (r) => (r as FakeContact).created_at,
      updated_at: (r) => (r as FakeContact).updated_at,
    },
    orderByParam: true,
  },
  "/v2/users": {
    path: "/v2/users",
    key: "users",
    metaFirst: false,
    links: true,
    items: (d) => d.users,
    filter: "inclusive",
    filterKey: _createdIso,
    orderKeys: { created_at: _createdIso },
    orderByParam: false,
  },
  "/v1/users/availabilities": {
    path: "/v1/users/availabilities",
    key: "users",
    metaFirst: true,
    links: true,
    items: (d) => d.availabilities,
    filter: "none",
    orderKeys: { id: _byId },
    orderByParam: false,
  },
  "/v1/numbers": {
    path: "/v1/numbers",
    key: "numbers",
    metaFirst: true,
    links: true,
    items: (d) => d.numbers,
    filter: "inclusive",
    filterKey: _createdIso,
    orderKeys: { created_at: _createdIso },
    orderByParam: false,
  },
  "/v1/teams": {
    path: "/v1/teams",
    key: "teams",
    metaFirst: false,
    links: true,
    items: (d) => d.teams,
    filter: "inclusive",
    filterKey: _createdIso,
    orderKeys: { created_at: _createdIso },
    orderByParam: false,
  },
  "/v1/tags": {
    path: "/v1/tags",
    key: "tags",
    metaFirst: true,
    links: true,
    items: (d) => d.tags,
    filter: "none",
    orderKeys: { id: _byId },
    orderByParam: false,
  },
  "/v1/webhooks": {
    path: "/v1/webhooks",
    key: "webhooks",
    metaFirst: false,
    links: false,
    items: (d) => d.webhooks,
    filter: "none",
    orderKeys: { created_at: _createdIso },
    orderByParam: false,
  },
};

// --- The calls list's expansion flags and the users' numbers ---

/**
 * A call as `GET /v1/calls` serves it: each flag counts only when sent as `true` (Aircall documents
 * them as "set to true"). Without `fetch_contact` the contact is null, without
 * `fetch_call_timeline` and `fetch_aiva_conv` their arrays are absent, without `fetch_short_urls`
 * the short URLs are null. The stored call is served as is when nothing is hidden.
 */
function _callAsServed(call: FakeCall, search: URLSearchParams): unknown {
  const on = (flag: string) => search.get(flag) === "true";
  const contact = on("fetch_contact");
  const timeline = on("fetch_call_timeline");
  const aiva = on("fetch_aiva_conv");
  const shortUrls = on("fetch_short_urls") ||
    (call.recording_short_url === null && call.voicemail_short_url === null);
  if (contact && timeline && aiva && shortUrls) return call;
  const served: Partial<FakeCall> = { ...call };
  if (!contact) served.contact = null;
  if (!timeline) delete served.ivr_options_selected;
  if (!aiva) delete served.ai_voice_agents;
  if (!shortUrls) {
    served.recording_short_url = null;
    served.voicemail_short_url = null;
  }
  return served;
}

/** `/v2/users/{id}/numbers`. */
const _USER_NUMBERS_PATH = /^\/v2\/users\/([0-9]+)\/numbers$/;
/** `/v1/users/{id}/dialer_campaign`, and its `/phone_numbers` (group 2). */
const _DIALER_PATH =
  /^\/v1\/users\/([0-9]+)\/dialer_campaign(\/phone_numbers)?$/;
/** `/v1/calls/{id}/<resource>`: one Conversation Intelligence object of a call. */
const _AI_PATH = new RegExp(
  `^/v1/calls/(\\d+)/(${Object.keys(AI_RESOURCES).join("|")})$`,
);
const _NO_NUMBERS: readonly _Item[] = Object.freeze([]);

/** The list of one user's numbers: paged, ordered and enveloped like `/v1/numbers`. */
function _userNumbersList(userId: number): _ListSpec {
  return {
    ..._LISTS["/v1/numbers"],
    path: `/v2/users/${userId}/numbers`,
    items: (d) => d.userNumbers[userId] ?? _NO_NUMBERS,
    filter: "none",
    filterKey: undefined,
  };
}

/** The queue of one user's Power Dialer campaign: paged like any list, under `numbers`. */
function _dialerNumbersList(userId: number): _ListSpec {
  return {
    path: `/v1/users/${userId}/dialer_campaign/phone_numbers`,
    key: "numbers",
    metaFirst: false,
    links: true,
    items: (d) => d.dialerNumbers[userId] ?? _NO_NUMBERS,
    filter: "none",
    orderKeys: { created_at: _createdIso },
    orderByParam: false,
  };
}

const _JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };
const _ENCODER = new TextEncoder();

function _error(status: number, body: unknown): FakeHttpResponse {
  return { status, body };
}

function _invalid(troubleshoot: string): FakeHttpResponse {
  return _error(400, { error: "Invalid parameter", troubleshoot });
}

const _NOT_FOUND = (): FakeHttpResponse =>
  _error(404, { message: "Not Found" });

const _DEFAULT_WINDOW_MS = 60_000;
const _DEFAULT_BLOCK_MS = 60_000;
const _DEFAULT_STALL_MS = 120_000;

/** Random 5xx answers: status, reason phrase. */
const _SERVER_ERRORS: readonly [number, string][] = [
  [500, "Internal Server Error"],
  [502, "Bad Gateway"],
  [503, "Service Unavailable"],
  [504, "Gateway Timeout"],
];

/** The numbers drawn for one request eligible to random faults. */
interface _Draw {
  reset: number;
  stall: number;
  serverError: number;
  truncate: number;
  /** Picks the 5xx status and JSON vs HTML body. */
  variant: number;
  /** Picks Content-Length vs chunked for a truncation. */
  chunked: number;
}

/** State of one rate-limit switch object. */
interface _RateState {
  config: FakeRateLimit;
  /** Clock values of the counted requests inside the window, oldest first. */
  stamps: number[];
  /** Clock value at which the block ends; -Infinity when not blocked. */
  blockedUntil: number;
}

/** State of one kill-point switch object. */
interface _KillState {
  config: FakeKillPoint;
  /** Requests received since the switch was installed. */
  seen: number;
  fired: boolean;
}

/** A random 5xx answer: `variant` in [0, 1) picks the status and whether the body is JSON or HTML. */
function _serverError(variant: number): FakeHttpResponse {
  const pick = Math.min(
    Math.floor(variant * _SERVER_ERRORS.length * 2),
    _SERVER_ERRORS.length * 2 - 1,
  );
  const [status, reason] = _SERVER_ERRORS[pick >> 1];
  if ((pick & 1) === 0) return { status, body: { message: reason } };
  return {
    status,
    headers: { "content-type": "text/html" },
    body:
      `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`,
  };
}

/** The 429 answer of a blocked company. */
function _tooManyRequests(
  config: FakeRateLimit,
  blockedUntil: number,
): FakeHttpResponse {
  const windowMs = config.windowMs ?? _DEFAULT_WINDOW_MS;
  const response: FakeHttpResponse = {
    status: 429,
    body: {
      error: "Too Many Requests",
      troubleshoot:
        `Rate limit of ${config.limit} requests per ${windowMs} ms reached; retry after the time given by X-AircallApi-Reset`,
    },
  };
  if (config.headers !== false) {
    const reset = config.resetUnit === "ms"
      ? Math.ceil(blockedUntil)
      : Math.ceil(blockedUntil / 1000);
    response.headers = {
      "X-AircallApi-Limit": String(config.limit),
      "X-AircallApi-Remaining": "0",
      "X-AircallApi-Reset": String(reset),
    };
  }
  return response;
}

/** The body of a response as bytes, and its content headers. */
function _encode(
  response: FakeHttpResponse,
): { bytes: Uint8Array; headers: Record<string, string> } {
  const text = response.body === undefined
    ? ""
    : typeof response.body === "string"
    ? response.body
    : JSON.stringify(response.body);
  return {
    bytes: _ENCODER.encode(text),
    headers: { ..._JSON_HEADERS, ...response.headers },
  };
}

/** First index whose key is >= value. */
function _lowerBound(keys: Float64Array, value: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > value. */
function _upperBound(keys: Float64Array, value: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Parse a positive integer parameter; undefined when absent, an error response when bad. */
function _positive(
  search: URLSearchParams,
  name: string,
): number | undefined | FakeHttpResponse {
  const raw = search.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    return _invalid(`${name} must be a positive integer, got "${raw}"`);
  }
  return n;
}

/** Parse a unix-seconds parameter; undefined when absent, an error response when bad. */
function _timestamp(
  search: URLSearchParams,
  name: string,
): number | undefined | FakeHttpResponse {
  const raw = search.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!/^-?[0-9]+$/.test(raw) || !Number.isSafeInteger(n)) {
    return _invalid(
      `${name} must be a UNIX timestamp in seconds (integer), got "${raw}"`,
    );
  }
  return n;
}

function _isResponse(v: unknown): v is FakeHttpResponse {
  return typeof v === "object" && v !== null;
}

/** The 500 answered when an interceptor, the handler or a kill action throws. */
function _internalError(err: unknown): FakeHttpResponse {
  return {
    status: 500,
    body: { message: "Internal Server Error", fake_error: String(err) },
  };
}

function _queryRecord(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of search) if (!(k in out)) out[k] = v;
  return out;
}

function _decodeBasic(header: string | undefined): [string, string] | null {
  if (header === undefined) return null;
  const m = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (m === null) return null;
  let decoded: string;
  try {
    const bin = atob(m[1]);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** The fake Aircall API: an HTTP server plus the live data it serves and a request log. */
export class FakeAircall {
  /** Base URL, "http://127.0.0.1:PORT" (no trailing slash). */
  readonly url: string;
  /** Live data the server serves from. After mutating records directly, call {@link invalidate}. */
  readonly data: FakeData;
  /** Log of every request answered, in order. */
  readonly requests: FakeRequest[] = [];
  /** Hooks run, in order, before routing; the first response returned wins. */
  readonly interceptors: FakeInterceptor[] = [];
  /** Basic-auth username expected. */
  readonly apiId: string;
  /** Basic-auth password expected. */
  readonly apiToken: string;
  /** "Now" of the fake, unix seconds; the calls horizon is `now - CALLS_HISTORY_SECONDS`. */
  now: number;
  /** Fault switches; assign a new object or mutate this one, effective from the next request. */
  faults: FakeFaults;
  /** Counters of how requests were answered, faults included (updated in place). */
  readonly stats: FakeStats = {
    served: 0,
    rateLimited: 0,
    serverErrors: 0,
    resets: 0,
    stalls: 0,
    truncated: 0,
  };
  /** Wall clock of the rate limiter, unix milliseconds (Date.now unless given at start). */
  clock: () => number;
  /**
   * Conversation Intelligence resources the company lacks the add-on for: answered 403. AI Assist
   * without Pro: `playbook_result` and `evaluations`.
   */
  readonly aiForbidden: Set<FakeAiName> = new Set();
  /** How Conversation Intelligence objects are wrapped (see {@link FakeEnvelope}). */
  aiEnvelope: FakeEnvelope = "documented";
  /** Late objects and recordings (see {@link FakeAiLateness}); none by default. */
  aiLate: FakeAiLateness | undefined;

  private readonly _server: Server;
  private readonly _rng: Rng;
  private readonly _faultRng: Rng;
  private _rateState: _RateState | undefined;
  private _killState: _KillState | undefined;
  private _churnState: { config: FakeChurn; seen: number } | undefined;
  private readonly _churnRng: Rng;
  private readonly _seed: number;
  /** Edits of mutable Conversation Intelligence objects, by `${callId}/${resource}`. */
  private readonly _aiEdits = new Map<string, { count: number; at: number }>();
  private _calls:
    | { version: number; length: number; byId: Map<number, FakeCall> }
    | undefined;
  private readonly _stallTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly _sockets = new Set<Socket>();
  private readonly _views = new Map<string, _View>();
  private _version = 0;

  private constructor(
    server: Server,
    url: string,
    data: FakeData,
    now: number,
    seed: number,
    apiId: string,
    apiToken: string,
    faults: FakeFaults,
    clock: () => number,
  ) {
    this._server = server;
    this.faults = faults;
    this.clock = clock;
    this._faultRng = streamRng(seed, "faults");
    this.url = url;
    this.data = data;
    this.now = now;
    this.apiId = apiId;
    this.apiToken = apiToken;
    this._rng = streamRng(seed, "mutations");
    this._churnRng = streamRng(seed, "churn");
    this._seed = seed;
  }

  /** Generate the data and listen on 127.0.0.1, on a free port. */
  static async start(options: FakeAircallOptions = {}): Promise<FakeAircall> {
    const now = Math.floor(options.now ?? Date.now() / 1000);
    const seed = options.seed ?? 1;
    const data = generateData({ now, seed, counts: options.counts });
    // The request listener is attached once the fake exists (nobody knows the port before).
    const server = createServer();
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const fake = new FakeAircall(
      server,
      `http://127.0.0.1:${port}`,
      data,
      now,
      seed,
      options.apiId ?? "test-api-id",
      options.apiToken ?? "test-api-token",
      options.faults ?? {},
      options.clock ?? Date.now,
    );
    server.on("connection", (socket: Socket) => {
      fake._sockets.add(socket);
      socket.once("close", () => fake._sockets.delete(socket));
    });
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      void fake._serve(req, res);
    });
    return fake;
  }

  /** Ids of calls the API would return for an unfiltered read (inside the horizon), ascending. */
  visibleCallIds(): number[] {
    const spec = _LISTS["/v1/calls"];
    const view = this._view(spec, "id");
    const sel = this._select(view, this.now - CALLS_HISTORY_SECONDS, Infinity);
    const out = new Array<number>(sel.hi - sel.lo);
    for (let i = sel.lo; i < sel.hi; i++) out[i - sel.lo] = sel.items[i].id;
    return out;
  }

  /** Add `count` calls with ids above all existing, all started at `startedAt` (default now). */
  addCalls(count: number, startedAt: number = this.now): FakeCall[] {
    const calls = createCalls(this.data, this._rng, count, startedAt);
    for (const c of calls) this.data.calls.push(c);
    this.invalidate();
    return calls;
  }

  /** Set `updated_at` of the given contacts to `updatedAt` (default now). Unknown ids throw. */
  updateContacts(ids: number[], updatedAt: number = this.now): void {
    const byId = new Map<number, FakeContact>();
    for (const c of this.data.contacts) byId.set(c.id, c);
    const found: FakeContact[] = [];
    for (const id of ids) {
      const c = byId.get(id);
      if (c === undefined) throw new Error(`no contact with id ${id}`);
      found.push(c);
    }
    for (const c of found) c.updated_at = updatedAt;
    this.invalidate();
  }

  /** Add `count` contacts with ids above all existing, created and updated at `createdAt` (default now). */
  addContacts(count: number, createdAt: number = this.now): FakeContact[] {
    const contacts = createContacts(this.data, this._rng, count, createdAt);
    for (const c of contacts) this.data.contacts.push(c);
    this.invalidate();
    return contacts;
  }

  /** Remove the calls with these ids (calls are never deleted by Aircall, but they age out). */
  deleteCalls(ids: Iterable<number>): void {
    this._delete(this.data.calls, ids);
  }

  /** Remove the contacts with these ids, as a deletion in the Aircall dashboard does. */
  deleteContacts(ids: Iterable<number>): void {
    this._delete(this.data.contacts, ids);
  }

  private _delete(records: _Item[], ids: Iterable<number>): void {
    const doomed = new Set(ids);
    let kept = 0;
    for (const record of records) {
      if (!doomed.has(record.id)) records[kept++] = record;
    }
    records.length = kept;
    this.invalidate();
  }

  /** Apply the churn switch before answering `request` (see {@link FakeChurn}). */
  private _churn(
    config: FakeChurn | undefined,
    request: FakeHttpRequest,
  ): void {
    if (config === undefined || request.path !== config.path) return;
    if (this._churnState?.config !== config) {
      this._churnState = { config, seen: 0 };
    }
    const seen = ++this._churnState.seen;
    if (seen < (config.from ?? 1) || seen > (config.until ?? Infinity)) return;
    const isCalls = config.path === "/v1/calls";
    const records: _Item[] = isCalls ? this.data.calls : this.data.contacts;
    const doomed: number[] = [];
    if (config.deleteAt !== undefined) {
      const query = this._query(_LISTS[config.path], request);
      if (!("status" in query)) {
        const last = Math.min(
          config.deleteAt + (config.deleteCount ?? 1),
          query.total,
        );
        for (let k = config.deleteAt; k < last; k++) {
          doomed.push(query.at(k).id);
        }
      }
    }
    for (let i = 0; i < (config.deletePerRequest ?? 0); i++) {
      if (records.length > doomed.length) {
        doomed.push(records[Math.floor(this._churnRng() * records.length)].id);
      }
    }
    if (doomed.length > 0) this._delete(records, doomed);
    const at = config.changeAt ?? this.now;
    const inserted = config.insertPerRequest ?? 0;
    if (inserted > 0) {
      if (isCalls) this.addCalls(inserted, at);
      else this.addContacts(inserted, at);
    }
    const contacts = this.data.contacts;
    const edited = isCalls ? [] : Array.from(
      { length: Math.min(config.editPerRequest ?? 0, contacts.length) },
      () => contacts[Math.floor(this._churnRng() * contacts.length)].id,
    );
    if (edited.length > 0) this.updateContacts(edited, at);
    this.now += config.agePerRequest ?? 0;
  }

  /**
   * Edit a mutable Conversation Intelligence object, as an agent or a supervisor does: its content
   * and `updated_at` (the fake's now) change.
   */
  editAi(callId: number, name: FakeAiName): void {
    if (!AI_RESOURCES[name].mutable) throw new Error(`${name} is never edited`);
    const key = `${callId}/${name}`;
    const count = (this._aiEdits.get(key)?.count ?? 0) + 1;
    this._aiEdits.set(key, { count, at: this.now });
  }

  /**
   * A call as the list serves it at the fake's now: without its recording (URLs and asset) until
   * a late recording is attached (see {@link aiLate}).
   */
  withRecordingAsOfNow(call: FakeCall): FakeCall {
    const late = this.aiLate;
    if (!late || recordingAttachedAt(this._seed, call, late) <= this.now) {
      return call;
    }
    return { ...call, recording: null, recording_short_url: null, asset: null };
  }

  /** The call with this id, through a map rebuilt after mutations. */
  private _callById(id: number): FakeCall | undefined {
    const calls = this.data.calls;
    const cached = this._calls;
    if (cached?.version !== this._version || cached.length !== calls.length) {
      this._calls = {
        version: this._version,
        length: calls.length,
        byId: new Map(calls.map((call) => [call.id, call])),
      };
    }
    return this._calls!.byId.get(id);
  }

  /** The edits made to a call's Conversation Intelligence object (see {@link editAi}), if any. */
  aiEdits(
    callId: number,
    name: FakeAiName,
  ): { count: number; at: number } | undefined {
    return this._aiEdits.get(`${callId}/${name}`);
  }

  /** Answer `GET /v1/calls/{id}/<resource>`: the object, 404 without one, 403 without the add-on. */
  private _aiResource(callId: number, name: FakeAiName): FakeHttpResponse {
    if (this.aiForbidden.has(name)) {
      return _error(403, {
        error: "Forbidden",
        troubleshoot:
          "This feature requires an add-on your company does not have.",
      });
    }
    const horizon = this.now - CALLS_HISTORY_SECONDS;
    const call = this._callById(callId);
    if (call === undefined || call.started_at < horizon) return _NOT_FOUND();
    const body = aiBody(call, name, {
      seed: this._seed,
      now: this.now,
      edits: this.aiEdits(callId, name),
      envelope: this.aiEnvelope,
      late: this.aiLate,
    });
    return body === undefined ? _NOT_FOUND() : { status: 200, body };
  }

  /**
   * Drop the cached sorted views. Needed only after mutating records of {@link data} in place
   * (e.g. changing a `started_at`); adding/removing array items is detected by length, and the
   * mutation methods call it themselves.
   */
  invalidate(): void {
    this._version++;
    this._views.clear();
  }

  /** Answer one request (auth, routing, pagination); interceptors are not consulted here. */
  handle(request: FakeHttpRequest): FakeHttpResponse {
    const creds = _decodeBasic(request.authorization);
    if (creds === null) return _error(401, { message: "Unauthorized" });
    if (creds[0] !== this.apiId || creds[1] !== this.apiToken) {
      return _error(403, { message: "Forbidden" });
    }
    if (request.method !== "GET") return _NOT_FOUND();
    const path = request.path;
    if (path === "/v1/ping") return { status: 200, body: { ping: "pong" } };
    if (path === "/v1/company") {
      return { status: 200, body: { company: this.data.company } };
    }
    const ai = _AI_PATH.exec(path);
    if (ai !== null) {
      return this._aiResource(Number(ai[1]), ai[2] as FakeAiName);
    }
    const userNumbers = _USER_NUMBERS_PATH.exec(path);
    if (userNumbers !== null) {
      const userId = Number(userNumbers[1]);
      // A user that does not exist (or was deleted since it was listed).
      if (!this.data.users.some((u) => u.id === userId)) return _NOT_FOUND();
      return this._list(_userNumbersList(userId), request);
    }
    const dialer = _DIALER_PATH.exec(path);
    if (dialer !== null) {
      const userId = Number(dialer[1]);
      const campaign = this.data.dialerCampaigns[userId];
      if (campaign === undefined) {
        return _error(404, {
          error: "Not Found",
          troubleshoot: "This user has no Power Dialer campaign.",
        });
      }
      return dialer[2] === undefined
        ? { status: 200, body: { dialer_campaign: campaign } }
        : this._list(_dialerNumbersList(userId), request);
    }
    const spec = Object.hasOwn(_LISTS, path) ? _LISTS[path] : undefined;
    if (spec === undefined) return _NOT_FOUND();
    return this._list(spec, request);
  }

  /** Stop listening and drop open connections, stalled ones included. */
  close(): Promise<void> {
    for (const timer of this._stallTimers) clearTimeout(timer);
    this._stallTimers.clear();
    return new Promise((resolve, reject) => {
      this._server.close((err) => (err ? reject(err) : resolve()));
      this._server.closeAllConnections();
      for (const socket of this._sockets) socket.destroy();
      this._sockets.clear();
    });
  }

  /** Answer a list endpoint: validate, apply the cap, filter, page, build the envelope. */
  private _list(spec: _ListSpec, request: FakeHttpRequest): FakeHttpResponse {
    const query = this._query(spec, request);
    if ("status" in query) return query;
    const { at, total, page, perPage } = query;
    const start = (page - 1) * perPage;
    const end = Math.min(start + perPage, total);
    const list: unknown[] = [];
    for (let k = start; k < end; k++) {
      list.push(
        spec.served ? spec.served(at(k), request.search, this) : at(k),
      );
    }

    const counted = (n: number) => this.faults.stringMeta ? String(n) : n;
    const meta: Record<string, unknown> = {
      count: counted(list.length),
      total: counted(total),
      current_page: counted(page),
      per_page: counted(perPage),
    };
    if (spec.links) {
      meta.next_page_link = page * perPage < total
        ? this._pageLink(request, page + 1)
        : null;
      meta.previous_page_link = page > 1
        ? this._pageLink(request, page - 1)
        : null;
    }
    const body = spec.metaFirst
      ? { meta, [spec.key]: list }
      : { [spec.key]: list, meta };
    return { status: 200, body };
  }

  /**
   * What a list request asks for: its records in the order asked (`at(k)` is the k-th, 0-based),
   * how many, and the page; or the 400 that answers a bad request.
   */
  private _query(
    spec: _ListSpec,
    request: FakeHttpRequest,
  ):
    | FakeHttpResponse
    | {
      at: (k: number) => _Item;
      total: number;
      page: number;
      perPage: number;
    } {
    const q = request.search;
    const pageArg = _positive(q, "page");
    if (_isResponse(pageArg)) return pageArg;
    const perPageArg = _positive(q, "per_page");
    if (_isResponse(perPageArg)) return perPageArg;
    const from = _timestamp(q, "from");
    if (_isResponse(from)) return from;
    const to = _timestamp(q, "to");
    if (_isResponse(to)) return to;
    const order = q.get("order") ?? "asc";
    if (order !== "asc" && order !== "desc") {
      return _invalid(`order must be asc or desc, got "${order}"`);
    }
    const orderNames = Object.keys(spec.orderKeys);
    let orderBy = orderNames[0];
    if (spec.orderByParam && q.has("order_by")) {
      const raw = q.get("order_by") as string;
      if (!orderNames.includes(raw)) {
        return _invalid(
          `order_by must be one of ${orderNames.join(", ")}, got "${raw}"`,
        );
      }
      orderBy = raw;
    }
    const page = pageArg ?? 1;
    const perPage = Math.min(perPageArg ?? DEFAULT_PER_PAGE, MAX_PER_PAGE);
    if (page * perPage > POSITIONAL_CAP) {
      // As recorded on a live account: the status words in `error` and
      // `troubleshoot`, the explanation in `errors`.
      return _error(400, {
        error: "Bad Request",
        troubleshoot: "BAD_REQUEST",
        errors: POSITIONAL_CAP_EXPLANATION,
      });
    }

    let min = -Infinity;
    let max = Infinity;
    if (spec.filter === "calls") {
      if (from !== undefined) min = from + 1; // exclusive
      min = Math.max(min, this.now - CALLS_HISTORY_SECONDS);
      if (to !== undefined) max = to;
    } else if (spec.filter === "inclusive") {
      if (from !== undefined) min = from;
      if (to !== undefined) max = to;
    }
    const view = this._view(spec, orderBy);
    const sel = this._select(view, min, max);
    const at = order === "asc"
      ? (k: number) => sel.items[sel.lo + k]
      : (k: number) => sel.items[sel.hi - 1 - k];
    return { at, total: sel.hi - sel.lo, page, perPage };
  }

  /** The full URL of another page of the same query. */
  private _pageLink(request: FakeHttpRequest, page: number): string {
    const s = new URLSearchParams(request.search);
    s.set("page", String(page));
    return `${this.url}${request.path}?${s}`;
  }

  /** Items whose filter key is in [min, max], as a contiguous range of an array in view order. */
  private _select(
    view: _View,
    min: number,
    max: number,
  ): { items: readonly _Item[]; lo: number; hi: number } {
    const keys = view.filterKeys;
    if (keys === null || (min === -Infinity && max === Infinity)) {
      return { items: view.items, lo: 0, hi: view.items.length };
    }
    if (view.monotone) {
      const lo = _lowerBound(keys, min);
      return {
        items: view.items,
        lo,
        hi: Math.max(lo, _upperBound(keys, max)),
      };
    }
    const items: _Item[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] >= min && keys[i] <= max) items.push(view.items[i]);
    }
    return { items, lo: 0, hi: items.length };
  }

  /** The cached view of a list sorted by `orderBy` (ties by id), rebuilt after mutations. */
  private _view(spec: _ListSpec, orderBy: string): _View {
    const cacheKey = `${spec.path}|${orderBy}`;
    const source = spec.items(this.data);
    const cached = this._views.get(cacheKey);
    if (
      cached !== undefined && cached.source === source &&
      cached.length === source.length && cached.version === this._version
    ) {
      return cached;
    }
    const n = source.length;
    const orderKey = spec.orderKeys[orderBy];
    const ok = new Float64Array(n);
    const ids = new Float64Array(n);
    const idx = new Array<number>(n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      ok[i] = orderKey(source[i]);
      ids[i] = source[i].id;
      idx[i] = i;
      if (
        i > 0 &&
        (ok[i] < ok[i - 1] || (ok[i] === ok[i - 1] && ids[i] < ids[i - 1]))
      ) {
        sorted = false;
      }
    }
    if (!sorted) idx.sort((a, b) => ok[a] - ok[b] || ids[a] - ids[b]);
    const items = idx.map((i) => source[i]);
    let filterKeys: Float64Array | null = null;
    let monotone = true;
    if (spec.filterKey !== undefined) {
      filterKeys = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        filterKeys[i] = spec.filterKey(items[i]);
        if (i > 0 && filterKeys[i] < filterKeys[i - 1]) monotone = false;
      }
    }
    const view: _View = {
      source,
      length: n,
      version: this._version,
      items,
      filterKeys,
      monotone,
    };
    this._views.set(cacheKey, view);
    return view;
  }

  /**
   * The node:http request listener: rate limit, kill point, random faults, then interceptors and
   * {@link handle}; logs and writes the reply.
   */
  private async _serve(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const raw = req.url ?? "/";
    const qi = raw.indexOf("?");
    const request: FakeHttpRequest = {
      method: req.method ?? "GET",
      path: qi < 0 ? raw : raw.slice(0, qi),
      search: new URLSearchParams(qi < 0 ? "" : raw.slice(qi + 1)),
      authorization: req.headers.authorization,
    };
    const faults = this.faults;
    const kill = this._killTick(faults.kill);

    const limited = this._rateLimit(faults.rateLimit);
    if (limited !== undefined) {
      this.stats.rateLimited++;
      this._log(request, limited.status);
      this._write(res, limited);
      return;
    }

    if (kill !== undefined && kill.seen > kill.config.afterRequests) {
      if (!kill.fired) {
        kill.fired = true;
        try {
          kill.config.action();
        } catch (err) {
          this._log(request, 500);
          this._write(res, _internalError(err));
          return;
        }
      }
      this._stall(request, res, undefined);
      return;
    }

    const draw = this._draw(faults, request.path);
    if (draw !== undefined) {
      if (draw.reset < (faults.resetRate ?? 0)) {
        this.stats.resets++;
        this._log(request, 0);
        res.destroy();
        return;
      }
      if (draw.stall < (faults.stallRate ?? 0)) {
        this._stall(request, res, faults.stallMs ?? _DEFAULT_STALL_MS);
        return;
      }
      if (draw.serverError < (faults.serverErrorRate ?? 0)) {
        const response = _serverError(draw.variant);
        this.stats.serverErrors++;
        this._log(request, response.status);
        this._write(res, response);
        return;
      }
    }

    this._churn(faults.churn, request);
    const response = await this._respond(request);
    const latency = faults.latencyMs ?? 0;
    if (latency > 0) await new Promise((wait) => setTimeout(wait, latency));
    if (
      draw !== undefined && draw.truncate < (faults.truncateRate ?? 0) &&
      response.status === 200 && !res.destroyed
    ) {
      const { bytes, headers } = _encode(response);
      if (bytes.length >= 2) {
        this.stats.truncated++;
        this._log(request, 0);
        this._truncate(req, res, bytes, headers, draw.chunked < 0.5);
        return;
      }
    }
    this.stats.served++;
    this._log(request, response.status);
    this._write(res, response);
  }

  /** The normal handling: interceptors, then {@link handle}; a throw becomes a 500. */
  private async _respond(request: FakeHttpRequest): Promise<FakeHttpResponse> {
    try {
      for (const hook of this.interceptors) {
        const response = await hook(request, this);
        if (response !== undefined) return response;
      }
      return this.handle(request);
    } catch (err) {
      return _internalError(err);
    }
  }

  /** Append to {@link requests}. */
  private _log(request: FakeHttpRequest, status: number): void {
    this.requests.push({
      method: request.method,
      path: request.path,
      query: _queryRecord(request.search),
      status,
    });
  }

  /** Send a complete response with Content-Length (nothing when the socket is gone). */
  private _write(res: ServerResponse, response: FakeHttpResponse): void {
    if (res.destroyed) return;
    const { bytes, headers } = _encode(response);
    res.writeHead(response.status, {
      ...headers,
      "content-length": String(bytes.length),
    });
    res.end(bytes);
  }

  /** Send the headers and about half of the body, then close the connection. */
  private _truncate(
    req: IncomingMessage,
    res: ServerResponse,
    bytes: Uint8Array,
    headers: Record<string, string>,
    chunked: boolean,
  ): void {
    res.writeHead(
      200,
      chunked ? headers : {
        ...headers,
        "content-length": String(bytes.length),
      },
    );
    res.write(bytes.subarray(0, bytes.length >> 1), () => {
      req.socket.destroy();
    });
  }

  /**
   * Send nothing: forever (until the client or {@link close} drops the connection) when `ms` is
   * undefined, else for `ms` milliseconds, then answer normally if the socket is still open.
   */
  private _stall(
    request: FakeHttpRequest,
    res: ServerResponse,
    ms: number | undefined,
  ): void {
    this.stats.stalls++;
    this._log(request, 0);
    if (ms === undefined) return;
    const timer = setTimeout(() => {
      this._stallTimers.delete(timer);
      if (res.destroyed) return;
      void this._respond(request).then((response) => {
        if (res.destroyed) return;
        this.stats.served++;
        this._write(res, response);
      });
    }, ms);
    this._stallTimers.add(timer);
    res.once("close", () => {
      clearTimeout(timer);
      this._stallTimers.delete(timer);
    });
  }

  /** Count this request for the kill point; its state, or undefined when no kill point is set. */
  private _killTick(config: FakeKillPoint | undefined): _KillState | undefined {
    if (config === undefined) return undefined;
    if (this._killState?.config !== config) {
      this._killState = { config, seen: 0, fired: false };
    }
    this._killState.seen++;
    return this._killState;
  }

  /** Apply the rate limit to this request: the 429 answer, or undefined when it passes. */
  private _rateLimit(
    config: FakeRateLimit | undefined,
  ): FakeHttpResponse | undefined {
    if (config === undefined) return undefined;
    if (this._rateState?.config !== config) {
      this._rateState = { config, stamps: [], blockedUntil: -Infinity };
    }
    const state = this._rateState;
    const now = this.clock();
    if (now < state.blockedUntil) {
      return _tooManyRequests(config, state.blockedUntil);
    }
    const windowMs = config.windowMs ?? _DEFAULT_WINDOW_MS;
    const stamps = state.stamps;
    let old = 0;
    while (old < stamps.length && stamps[old] <= now - windowMs) old++;
    if (old > 0) stamps.splice(0, old);
    if (stamps.length >= config.limit) {
      state.blockedUntil = now + (config.blockMs ?? _DEFAULT_BLOCK_MS);
      state.stamps = [];
      return _tooManyRequests(config, state.blockedUntil);
    }
    stamps.push(now);
    return undefined;
  }

  /** The random numbers of this request, or undefined when no random fault can apply to it. */
  private _draw(faults: FakeFaults, path: string): _Draw | undefined {
    if (
      !((faults.resetRate ?? 0) > 0 || (faults.stallRate ?? 0) > 0 ||
        (faults.serverErrorRate ?? 0) > 0 || (faults.truncateRate ?? 0) > 0)
    ) {
      return undefined;
    }
    if (
      faults.pathPrefix !== undefined && !path.startsWith(faults.pathPrefix)
    ) {
      return undefined;
    }
    const rng = this._faultRng;
    return {
      reset: rng(),
      stall: rng(),
      serverError: rng(),
      truncate: rng(),
      variant: rng(),
      chunked: rng(),
    };
  }
}
