/**
 * A faithful fake of the Aircall REST API, served over HTTP on 127.0.0.1.
 *
 * It reproduces the traps of the real API (see /work/shared/aircall-api-notes.md): the positional
 * 10,000-result cap, `per_page` silently clamped to 50, `from` exclusive on calls but inclusive on
 * contacts, the ~6-month calls horizon, webhooks meta without links, 401 vs 403, varying envelope
 * key order. Only `node:` built-ins and web APIs are used, so it runs under Deno and Node.
 *
 * Routing and responses live in {@link FakeAircall.handle}, a synchronous function of a request;
 * {@link FakeAircall.interceptors} run before it so fault switches (429 with X-AircallApi-*
 * headers, 5xx, ...) can be added without touching the routing.
 *
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
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
}

/** One entry of {@link FakeAircall.requests}. */
export interface FakeRequest {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters (first occurrence of each name). */
  query: Record<string, string>;
  /** Status code answered. */
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

  private readonly _server: Server;
  private readonly _rng: Rng;
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
  ) {
    this._server = server;
    this.url = url;
    this.data = data;
    this.now = now;
    this.apiId = apiId;
    this.apiToken = apiToken;
    this._rng = streamRng(seed, "mutations");
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
    );
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
    const spec = Object.hasOwn(_LISTS, path) ? _LISTS[path] : undefined;
    if (spec === undefined) return _NOT_FOUND();
    return this._list(spec, request);
  }

  /** Stop listening and drop open connections. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this._server.close((err) => (err ? reject(err) : resolve()));
      this._server.closeAllConnections();
    });
  }

  /** Answer a list endpoint: validate, apply the cap, filter, page, build the envelope. */
  private _list(spec: _ListSpec, request: FakeHttpRequest): FakeHttpResponse {
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
      return _error(400, {
        error: "Query limited to 10000 results",
        troubleshoot:
          "This query is limited to 10k results, please use timestamps (from, to) to narrow your search",
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
    const total = sel.hi - sel.lo;
    const start = (page - 1) * perPage;
    const end = Math.min(start + perPage, total);
    const list: _Item[] = [];
    for (let k = start; k < end; k++) {
      list.push(
        order === "asc" ? sel.items[sel.lo + k] : sel.items[sel.hi - 1 - k],
      );
    }

    const meta: Record<string, unknown> = {
      count: list.length,
      total,
      current_page: page,
      per_page: perPage,
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

  /** The node:http request listener: interceptors, then {@link handle}; logs and writes the reply. */
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
    let response: FakeHttpResponse | undefined;
    try {
      for (const hook of this.interceptors) {
        response = await hook(request, this);
        if (response !== undefined) break;
      }
      response ??= this.handle(request);
    } catch (err) {
      response = {
        status: 500,
        body: { message: "Internal Server Error", fake_error: String(err) },
      };
    }
    this.requests.push({
      method: request.method,
      path: request.path,
      query: _queryRecord(request.search),
      status: response.status,
    });
    const text = response.body === undefined
      ? ""
      : typeof response.body === "string"
      ? response.body
      : JSON.stringify(response.body);
    const bytes = _ENCODER.encode(text);
    res.writeHead(response.status, {
      ..._JSON_HEADERS,
      ...response.headers,
      "content-length": String(bytes.length),
    });
    res.end(bytes);
  }
}
