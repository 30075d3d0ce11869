/**
 * Tests of the fake Aircall API itself (tests/fake_aircall/).
 *
 * Run: deno test --allow-net tests/fake_aircall_test.ts
 *
 * @module
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AI_RESOURCES,
  aiCreatedAt,
  aiEligible,
  CALLS_HISTORY_SECONDS,
  type FakeAiName,
  FakeAircall,
  type FakeCall,
  type FakeContact,
  generateData,
} from "./fake_aircall/mod.ts";

const NOW = 1_780_000_000;
const DAY = 86_400;
const AUTH = `Basic ${btoa("test-api-id:test-api-token")}`;
const SMALL = {
  calls: 130,
  contacts: 90,
  users: 23,
  numbers: 21,
  teams: 22,
  tags: 120,
  webhooks: 53,
};
const LIST_PATHS = [
  "/v1/calls",
  "/v1/contacts",
  "/v2/users",
  "/v1/users/availabilities",
  "/v1/numbers",
  "/v1/teams",
  "/v1/tags",
  "/v1/webhooks",
];

interface _Reply {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  text: string;
}

async function _get(
  fake: FakeAircall,
  pathOrUrl: string,
  init: RequestInit = {},
): Promise<_Reply> {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : fake.url + pathOrUrl;
  const res = await fetch(url, {
    ...init,
    headers: { authorization: AUTH, ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === "" ? null : JSON.parse(text),
    text,
  };
}

type _Check = (v: unknown) => boolean;
const _int: _Check = (v) => Number.isSafeInteger(v);
const _str: _Check = (v) => typeof v === "string";
const _bool: _Check = (v) => typeof v === "boolean";
const _nullable = (c: _Check): _Check => (v) => v === null || c(v);
const _arrayOf = (c: _Check): _Check => (v) => Array.isArray(v) && v.every(c);
const _iso: _Check = (v) =>
  typeof v === "string" &&
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/.test(v);
const _url: _Check = (v) => typeof v === "string" && /^https:\/\//.test(v);
const _shape = (spec: Record<string, _Check>): _Check => (v) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return Object.entries(spec).every(([k, c]) => k in o && c(o[k]));
};
/** Every key of `spec` present and valid, and no other key. */
const _exactly = (spec: Record<string, _Check>): _Check => (v) =>
  _shape(spec)(v) &&
  Object.keys(v as object).every((k) => Object.hasOwn(spec, k));
/** A user as a call names one: no substatus, no default_number_id. */
const _callUser = _exactly({
  id: _int,
  direct_link: _url,
  name: _str,
  email: _str,
  available: _bool,
  availability_status: _str,
  created_at: _iso,
  time_zone: _str,
  language: _str,
  state: _str,
  wrap_up_time: _int,
  extension: _nullable(_str),
});
/** A team's member: no available, state, extension or substatus. */
const _teamMember = _exactly({
  id: _int,
  direct_link: _url,
  name: _str,
  email: _str,
  availability_status: _str,
  default_number_id: _nullable(_int),
  created_at: _iso,
  time_zone: _str,
  language: _str,
  wrap_up_time: _int,
});
const _numberFields = {
  id: _int,
  direct_link: _url,
  name: _str,
  digits: _str,
  country: _str,
  time_zone: _str,
  open: _bool,
  availability_status: _str,
  is_ivr: _bool,
  live_recording_activated: _bool,
  priority: _nullable(_int),
  messages: (v: unknown) =>
    _shape({
      welcome: _url,
      waiting: _url,
      ivr: _url,
      voicemail: _url,
      closed: _url,
      callback_later: _url,
      unanswered_call: _url,
      after_hours: _url,
      ringing_tone: _url,
    })(v),
  created_at: _iso,
};
/** A number of /v1/numbers: no flow_editor_enabled. */
const _number = _exactly(_numberFields);
/** A number as calls and users' lists serve it: with flow_editor_enabled. */
const _assignedNumber = _exactly({
  ..._numberFields,
  flow_editor_enabled: _bool,
});
const _tagFields = {
  id: _int,
  name: _str,
  color: (v: unknown) => typeof v === "string" && /^#[0-9A-F]{6}$/.test(v),
  description: _nullable(_str),
};
const _tag = _exactly(_tagFields);
/** A call's tag: who tagged and when, in one of the shapes served, or neither. */
const _callTag: _Check = (v) => {
  if (!_shape(_tagFields)(v)) return false;
  const { tagged_by, created_at, ...tag } = v as Record<string, unknown>;
  if (!_exactly(_tagFields)(tag)) return false;
  if (!("tagged_by" in (v as object))) return !("created_at" in (v as object));
  return (tagged_by === null || _int(tagged_by) || _callUser(tagged_by)) &&
    (_iso(created_at) || _int(created_at));
};
const _detail = _shape({ id: _int, label: _str, value: _str });
const _contact = _shape({
  id: _int,
  direct_link: _url,
  first_name: _str,
  last_name: _str,
  company_name: _nullable(_str),
  information: _nullable(_str),
  is_shared: _bool,
  created_at: _int,
  updated_at: _int,
  phone_numbers: _arrayOf(_detail),
  emails: _arrayOf(_detail),
});
const _ivrOption = _shape({
  id: _str,
  title: _str,
  key: _str,
  branch: _str,
  created_at: _iso,
  transition_started_at: _iso,
  transition_ended_at: _nullable(_iso),
});
const _aiVoiceAgent = _shape({
  agent_id: _str,
  agent_name: _str,
  started_at: _iso,
  ended_at: _iso,
  end_reason: _str,
  escalation_reason: _nullable(_str),
  escalation_target: _nullable(_shape({
    type: (v) => ["branch", "user", "team", "external"].includes(v as string),
    destination: _str,
  })),
});
/** A participant: a user's or contact's id as a string; no id for an external party. */
const _participant: _Check = (v) =>
  _shape({
    type: (t) => t === "user" || t === "contact" || t === "external",
    name: _nullable(_str),
    phone_number: _nullable(_str),
  })(v) &&
  ((v as { type: string }).type === "external"
    ? !("id" in (v as object))
    : _str((v as { id?: unknown }).id));
const _call = _shape({
  id: (v) => _int(v) && (v as number) > 2 ** 31,
  sid: _str,
  direct_link: _url,
  direction: (v) => v === "inbound" || v === "outbound",
  status: (v) => v === "done",
  missed_call_reason: _nullable(_str),
  started_at: _int,
  answered_at: _nullable(_int),
  ended_at: _int,
  duration: _int,
  raw_digits: _str,
  voicemail: _nullable(_url),
  recording: _nullable(_url),
  recording_short_url: _nullable(_url),
  voicemail_short_url: _nullable(_url),
  asset: _nullable(_url),
  archived: _bool,
  cost: (v) => typeof v === "string" && /^\d+\.\d+$/.test(v),
  pricing_type: _nullable(_str),
  country_code_a2: (v) => typeof v === "string" && /^[A-Z]{2}$/.test(v),
  user: _nullable(_callUser),
  assigned_to: _nullable(_callUser),
  transferred_by: _nullable(_callUser),
  transferred_to: _nullable(_callUser),
  contact: _nullable(_contact),
  number: _assignedNumber,
  teams: _arrayOf(
    _shape({ id: _int, name: _str, direct_link: _url, created_at: _iso }),
  ),
  tags: _arrayOf(_callTag),
  comments: _arrayOf(
    _shape({
      id: _int,
      content: _str,
      posted_at: _int,
      posted_by: _nullable(_callUser),
    }),
  ),
  ivr_options_selected: _arrayOf(_ivrOption),
  ai_voice_agents: _arrayOf(_aiVoiceAgent),
});
const _user = _shape({
  id: _int,
  direct_link: _url,
  name: _str,
  email: _str,
  created_at: _iso,
  time_zone: _str,
  language: _str,
  state: _str,
  wrap_up_time: _int,
  extension: _nullable(_str),
  availability_status: _str,
  available: _bool,
  default_number_id: _nullable(_int),
  substatus: _nullable(_str),
});
const _team = _shape({
  id: _int,
  direct_link: _url,
  name: _str,
  created_at: _iso,
  users: _arrayOf(_teamMember),
});
const _webhook = _shape({
  id: _int,
  webhook_id: (v) =>
    typeof v === "string" &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
      .test(v),
  direct_link: _url,
  url: _url,
  active: _bool,
  events: _arrayOf(_str),
  token: (v) => typeof v === "string" && /^[0-9a-f]{32}$/.test(v),
  created_at: _iso,
});

/** Reads every page of a list by following next_page_link; returns the items. */
async function _readAll(
  fake: FakeAircall,
  path: string,
  key: string,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let next: string | null = path;
  while (next !== null) {
    const r = await _get(fake, next);
    assert.equal(r.status, 200, r.text);
    out.push(...r.body[key]);
    next = r.body.meta.next_page_link;
  }
  return out;
}

function _countBy(values: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe("fake Aircall: auth, routing, company", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({ now: NOW, counts: SMALL });
  });
  after(() => fake.close());

  it("answers ping with valid credentials", async () => {
    const r = await _get(fake, "/v1/ping");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ping: "pong" });
  });

  it("answers 401 without or with a malformed Authorization header", async () => {
    for (
      const authorization of [
        "",
        "Bearer abc",
        "Basic !!!",
        `Basic ${btoa("no-colon")}`,
      ]
    ) {
      const r = await _get(fake, "/v1/ping", { headers: { authorization } });
      assert.equal(r.status, 401, authorization);
      assert.deepEqual(r.body, { message: "Unauthorized" });
    }
  });

  it("answers 403 to a wrong id or token", async () => {
    for (const creds of ["test-api-id:nope", "nope:test-api-token"]) {
      const r = await _get(fake, "/v1/calls", {
        headers: { authorization: `Basic ${btoa(creds)}` },
      });
      assert.equal(r.status, 403);
      assert.deepEqual(r.body, { message: "Forbidden" });
    }
  });

  it("answers 404 to unknown paths, the shut-off /v1/users, and non-GET", async () => {
    for (const path of ["/v1/nope", "/v1/users", "/v2/calls", "/v1/calls/"]) {
      const r = await _get(fake, path);
      assert.equal(r.status, 404, path);
      assert.deepEqual(r.body, { message: "Not Found" });
    }
    const r = await _get(fake, "/v1/calls", { method: "POST", body: "{}" });
    assert.equal(r.status, 404);
  });

  it("serves the company, consistent with the data", async () => {
    const r = await _get(fake, "/v1/company?page=3");
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      company: {
        name: fake.data.company.name,
        users_count: SMALL.users,
        numbers_count: SMALL.numbers,
      },
    });
  });

  it("logs requests", async () => {
    const before = fake.requests.length;
    await _get(fake, "/v1/tags?per_page=5&page=2");
    assert.deepEqual(fake.requests.slice(before), [{
      method: "GET",
      path: "/v1/tags",
      query: { per_page: "5", page: "2" },
      status: 200,
    }]);
  });

  it("runs interceptors before routing", async () => {
    fake.interceptors.push((req) =>
      req.path === "/v1/tags"
        ? {
          status: 429,
          headers: { "X-AircallApi-Reset": String(NOW + 60) },
          body: { error: "Too many requests" },
        }
        : undefined
    );
    try {
      assert.equal((await _get(fake, "/v1/tags")).status, 429);
      assert.equal((await _get(fake, "/v1/ping")).status, 200);
    } finally {
      fake.interceptors.length = 0;
    }
    assert.equal((await _get(fake, "/v1/tags")).status, 200);
  });
});

describe("fake Aircall: pagination", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({ now: NOW, counts: SMALL });
  });
  after(() => fake.close());

  it("defaults to page 1 of 20 with full meta and links", async () => {
    const r = await _get(fake, "/v1/calls?order=asc");
    assert.equal(r.status, 200);
    assert.equal(r.body.calls.length, 20);
    assert.deepEqual(r.body.meta, {
      count: 20,
      total: fake.visibleCallIds().length,
      current_page: 1,
      per_page: 20,
      next_page_link: `${fake.url}/v1/calls?order=asc&page=2`,
      previous_page_link: null,
    });
    const r2 = await _get(fake, r.body.meta.next_page_link);
    assert.equal(r2.body.meta.current_page, 2);
    assert.equal(
      r2.body.meta.previous_page_link,
      `${fake.url}/v1/calls?order=asc&page=1`,
    );
  });

  it("clamps per_page to 50 silently", async () => {
    const r = await _get(fake, "/v1/tags?per_page=500");
    assert.equal(r.status, 200);
    assert.equal(r.body.tags.length, 50);
    assert.equal(r.body.meta.per_page, 50);
  });

  it("following next_page_link reads every visible call once, in id order", async () => {
    const calls = await _readAll(fake, "/v1/calls?per_page=50", "calls");
    assert.deepEqual(calls.map((c) => c.id), fake.visibleCallIds());
  });

  it("ends with next_page_link null and answers past the end with an empty page", async () => {
    const total = SMALL.tags;
    const last = Math.ceil(total / 50);
    const r = await _get(fake, `/v1/tags?per_page=50&page=${last}`);
    assert.equal(r.body.meta.count, total - (last - 1) * 50);
    assert.equal(r.body.meta.next_page_link, null);
    const past = await _get(fake, `/v1/tags?per_page=50&page=${last + 5}`);
    assert.equal(past.status, 200);
    assert.deepEqual(past.body.tags, []);
    assert.equal(past.body.meta.count, 0);
    assert.equal(past.body.meta.total, total);
    assert.equal(past.body.meta.next_page_link, null);
  });

  it("gives webhooks meta without any link keys", async () => {
    const r = await _get(fake, "/v1/webhooks?per_page=50");
    assert.deepEqual(Object.keys(r.body.meta).sort(), [
      "count",
      "current_page",
      "per_page",
      "total",
    ]);
    assert.equal(r.body.meta.total, SMALL.webhooks);
  });

  it("varies envelope key order between endpoints", async () => {
    const keys = async (path: string) =>
      Object.keys((await _get(fake, path)).body);
    assert.deepEqual(await keys("/v1/calls"), ["calls", "meta"]);
    assert.deepEqual(await keys("/v1/contacts"), ["meta", "contacts"]);
    assert.deepEqual(await keys("/v1/users/availabilities"), ["meta", "users"]);
    assert.deepEqual(await keys("/v2/users"), ["users", "meta"]);
  });

  it("rejects invalid parameters with 400 Invalid parameter", async () => {
    for (
      const q of [
        "/v1/calls?page=0",
        "/v1/calls?page=abc",
        "/v1/calls?page=1.5",
        "/v1/calls?page=",
        "/v1/tags?per_page=0",
        "/v1/tags?per_page=-3",
        "/v1/calls?from=1.5",
        "/v1/calls?to=yesterday",
        "/v1/contacts?order_by=name",
        "/v1/contacts?order=up",
      ]
    ) {
      const r = await _get(fake, q);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error, "Invalid parameter", q);
      assert.equal(typeof r.body.troubleshoot, "string");
    }
  });

  it("enforces the positional 10k cap on every list endpoint, even with a small total", async () => {
    for (const path of LIST_PATHS) {
      const r = await _get(fake, `${path}?page=201&per_page=50`);
      assert.equal(r.status, 400, path);
      assert.deepEqual(r.body, {
        error: "Bad Request",
        troubleshoot: "BAD_REQUEST",
        errors:
          "Your query is limited to 10k results, please use timestamps (from, to) to narrow down your search",
      });
      const ok = await _get(fake, `${path}?page=200&per_page=50`);
      assert.equal(ok.status, 200, path);
      assert.equal(ok.body.meta.count, 0);
    }
    assert.equal(
      (await _get(fake, "/v1/tags?page=201&per_page=100")).status,
      400,
    );
    assert.equal(
      (await _get(fake, "/v1/tags?page=10000&per_page=1")).status,
      200,
    );
    assert.equal(
      (await _get(fake, "/v1/tags?page=10001&per_page=1")).status,
      400,
    );
    assert.equal((await _get(fake, "/v1/tags?page=501")).status, 400);
    assert.equal((await _get(fake, "/v1/tags?page=500")).status, 200);
  });

  it("orders desc as the reverse of asc", async () => {
    const asc = await _readAll(fake, "/v1/contacts?per_page=50", "contacts");
    const desc = await _readAll(
      fake,
      "/v1/contacts?per_page=50&order=desc",
      "contacts",
    );
    assert.deepEqual(desc.map((c) => c.id), asc.map((c) => c.id).reverse());
  });
});

describe("fake Aircall: calls", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({
      now: NOW,
      counts: { ...SMALL, calls: 1200 },
    });
  });
  after(() => fake.close());

  it("generates valid calls with big increasing ids", () => {
    const calls = fake.data.calls;
    assert.equal(calls.length, 1200);
    for (let i = 0; i < calls.length; i++) {
      assert.ok(_call(calls[i]), JSON.stringify(calls[i]));
      if (i > 0) {
        assert.ok(calls[i].id > calls[i - 1].id);
        assert.ok(calls[i].started_at >= calls[i - 1].started_at);
      }
      assert.equal(calls[i].duration, calls[i].ended_at - calls[i].started_at);
    }
    assert.ok(calls.some((c) => c.answered_at === null));
    assert.ok(calls.some((c) => c.recording !== null));
    assert.ok(calls.some((c) => c.comments.length > 0));
    assert.ok(calls.some((c) => c.transferred_to !== null));
  });

  it("gives each call participants, or a conference's conference_participants instead", () => {
    const calls = fake.data.calls;
    for (const call of calls) {
      const conference = call.transferred_to !== null;
      assert.equal("conference_participants" in call, conference);
      assert.equal("participants" in call, !conference);
      const parties = call.conference_participants ?? call.participants;
      assert.ok(_arrayOf(_participant)(parties), JSON.stringify(call));
    }
  });

  it("serves the undocumented fields in several shapes", () => {
    const tags = fake.data.calls.flatMap((c) => c.tags);
    const kinds = (values: unknown[]) =>
      new Set(
        values.map((v) =>
          v === null ? "null" : Array.isArray(v) ? "array" : typeof v
        ),
      );
    const taggedBy = tags.filter((t) => "tagged_by" in t);
    assert.deepEqual(
      [...kinds(taggedBy.map((t) => t.tagged_by))].sort(),
      ["null", "number", "object"],
    );
    assert.deepEqual(
      [...kinds(taggedBy.map((t) => t.created_at))].sort(),
      ["number", "string"],
    );
    assert.ok(tags.some((t) => !("tagged_by" in t)), "a tag without them");
    const callbacks = fake.data.calls
      .filter((c) => "automatic_callback_call_id" in c)
      .map((c) => c.automatic_callback_call_id);
    assert.deepEqual([...kinds(callbacks)].sort(), ["null", "number"]);
    assert.ok(callbacks.length < fake.data.calls.length / 2, "absent on most");
  });

  it("has bursts of 100-300 calls in one second, one on a day boundary", () => {
    const bursts = [..._countBy(fake.data.calls.map((c) => c.started_at))]
      .filter(([, n]) => n >= 100);
    assert.ok(bursts.length >= 3, JSON.stringify(bursts));
    assert.ok(bursts.every(([, n]) => n <= 300));
    assert.ok(bursts.some(([t]) => t % DAY === 0));
    const onDays = fake.data.calls.filter((c) => c.started_at % DAY === 0);
    assert.ok(onDays.length >= 20);
  });

  it("hides calls older than the horizon (~3% of them)", async () => {
    const horizon = NOW - CALLS_HISTORY_SECONDS;
    const old = fake.data.calls.filter((c) => c.started_at < horizon);
    assert.ok(old.length >= 30 && old.length <= 40, String(old.length));
    const visible = fake.visibleCallIds();
    assert.equal(visible.length, 1200 - old.length);
    const r = await _get(fake, "/v1/calls?per_page=1");
    assert.equal(r.body.meta.total, visible.length);
    assert.ok(r.body.calls[0].started_at >= horizon);
    const win = await _get(
      fake,
      `/v1/calls?from=${horizon - 30 * DAY}&to=${horizon - 1}`,
    );
    assert.equal(win.status, 200);
    assert.deepEqual(win.body.calls, []);
    assert.equal(win.body.meta.total, 0);
    // The horizon second itself is visible.
    const edge = await _get(
      fake,
      `/v1/calls?from=${horizon - 1}&to=${horizon}`,
    );
    assert.equal(
      edge.body.meta.total,
      fake.data.calls.filter((c) => c.started_at === horizon).length,
    );
    assert.ok(edge.body.meta.total > 0);
  });

  it("filters started_at with from exclusive and to inclusive", async () => {
    const [second, n] = [..._countBy(fake.data.calls.map((c) => c.started_at))]
      .find(([, k]) => k >= 100)!;
    const total = async (q: string) =>
      (await _get(fake, `/v1/calls?per_page=1&${q}`)).body.meta.total;
    assert.equal(await total(`from=${second - 1}&to=${second}`), n);
    assert.equal(await total(`from=${second}&to=${second}`), 0);
    assert.equal(
      await total(`from=${second}&to=${second + 1}`),
      fake.data.calls.filter((c) => c.started_at === second + 1).length,
    );
    const before =
      fake.data.calls.filter((c) =>
        c.started_at > NOW - 100 * DAY && c.started_at <= second
      ).length;
    assert.equal(await total(`from=${NOW - 100 * DAY}&to=${second}`), before);
    const ids = (await _readAll(
      fake,
      `/v1/calls?per_page=50&from=${second - 1}&to=${second}`,
      "calls",
    ))
      .map((c) => c.id);
    assert.deepEqual(
      ids,
      fake.data.calls.filter((c) => c.started_at === second).map((c) => c.id),
    );
  });

  it("moves the horizon with now", async () => {
    const before = fake.visibleCallIds().length;
    fake.now = NOW + 10 * DAY;
    try {
      const after = fake.visibleCallIds().length;
      assert.ok(after < before);
      const r = await _get(fake, "/v1/calls?per_page=1");
      assert.equal(r.body.meta.total, after);
    } finally {
      fake.now = NOW;
    }
  });

  it("adds calls above every id, at now by default", async () => {
    const maxId = Math.max(...fake.data.calls.map((c) => c.id));
    const added: FakeCall[] = fake.addCalls(3);
    assert.equal(added.length, 3);
    assert.ok(
      added.every((c) => c.started_at === NOW && c.id > maxId && _call(c)),
    );
    const r = await _get(fake, "/v1/calls?per_page=3&order=desc");
    assert.deepEqual(
      r.body.calls.map((c: FakeCall) => c.id),
      added.map((c) => c.id).reverse(),
    );
    const late = fake.addCalls(1, NOW - 2 * DAY);
    const w = await _get(
      fake,
      `/v1/calls?from=${NOW - 2 * DAY - 1}&to=${NOW - 2 * DAY}`,
    );
    assert.ok(w.body.calls.some((c: FakeCall) => c.id === late[0].id));
    assert.deepEqual(
      fake.visibleCallIds(),
      [...fake.visibleCallIds()].sort((a, b) => a - b),
    );
  });
});

describe("fake Aircall: what the calls list embeds on request", () => {
  const FLAGS = ["fetch_contact", "fetch_call_timeline", "fetch_aiva_conv"];
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({
      now: NOW,
      counts: { ...SMALL, calls: 1200, contacts: 300 },
    });
  });
  after(() => fake.close());

  /** Every visible call, as the calls list serves it with `query`. */
  async function served(query: string): Promise<Record<string, unknown>[]> {
    return await _readAll(fake, `/v1/calls?per_page=50&${query}`, "calls");
  }

  it("serves the contact, the IVR path and the AI voice agents only with their flag", async () => {
    const stored = new Map(fake.data.calls.map((c) => [c.id, c]));
    const bare = await served("");
    assert.ok(bare.length > 1000);
    for (const call of bare) {
      assert.equal(call.contact, null);
      assert.ok(!("ivr_options_selected" in call));
      assert.ok(!("ai_voice_agents" in call));
    }
    const all = await served(FLAGS.map((f) => `${f}=true`).join("&"));
    for (const call of all) {
      const expected = stored.get(call.id as number)!;
      assert.deepEqual(call.contact, expected.contact);
      assert.deepEqual(
        call.ivr_options_selected,
        expected.ivr_options_selected,
      );
      assert.deepEqual(call.ai_voice_agents, expected.ai_voice_agents);
    }
    for (const flag of FLAGS) {
      const one = await served(`${flag}=true&per_page=50`);
      const withContact = one.filter((c) => c.contact !== null).length;
      assert.equal(withContact > 0, flag === "fetch_contact", flag);
      assert.equal(
        one.every((c) => "ivr_options_selected" in c),
        flag === "fetch_call_timeline",
        flag,
      );
      assert.equal(
        one.every((c) => "ai_voice_agents" in c),
        flag === "fetch_aiva_conv",
        flag,
      );
    }
    const notTrue = await served(FLAGS.map((f) => `${f}=1`).join("&"));
    assert.ok(notTrue.every((c) => c.contact === null), "only true counts");
  });

  it("fills the short URLs only with fetch_short_urls", async () => {
    const stored = fake.data.calls.filter((c) => c.recording_short_url);
    assert.ok(stored.length > 0);
    const withoutFlag = await served("");
    assert.ok(withoutFlag.every((c) => c.recording_short_url === null));
    assert.ok(withoutFlag.every((c) => c.voicemail_short_url === null));
    const withFlag = await served("fetch_short_urls=true");
    assert.ok(withFlag.some((c) => c.recording_short_url !== null));
    assert.ok(withFlag.some((c) => c.voicemail_short_url !== null));
  });

  it("embeds the very contact /v1/contacts serves when a participant is a contact", () => {
    const contacts = new Map(fake.data.contacts.map((c) => [c.id, c]));
    const withContact = fake.data.calls.filter((c) => c.contact !== null);
    const share = withContact.length / fake.data.calls.length;
    assert.ok(share > 0.1 && share < 0.4, String(share));
    for (const call of fake.data.calls) {
      const party = (call.participants ?? call.conference_participants)!
        .find((p) => p.type === "contact");
      if (call.contact === null) {
        assert.equal(party, undefined);
        continue;
      }
      assert.equal(call.contact, contacts.get(call.contact.id), "shared");
      assert.ok(call.contact.created_at <= call.started_at);
      assert.equal(party?.id, String(call.contact.id));
      assert.equal(call.raw_digits, call.contact.phone_numbers[0].value);
    }
  });

  it("has IVR choices on inbound calls to IVR numbers only, AI voice agents on a share of inbound calls", () => {
    const calls = fake.data.calls;
    const ivr = calls.filter((c) => c.ivr_options_selected.length > 0);
    assert.ok(ivr.length > 50, String(ivr.length));
    for (const call of ivr) {
      assert.equal(call.direction, "inbound");
      assert.equal(call.number!.is_ivr, true);
    }
    const ai = calls.filter((c) => c.ai_voice_agents.length > 0);
    assert.ok(ai.length > 30, String(ai.length));
    assert.ok(ai.every((c) => c.direction === "inbound"));
    assert.ok(
      ai.some((c) => c.ai_voice_agents.length === 2),
      "escalations chain",
    );
    assert.ok(ai.some((c) => c.ai_voice_agents[0].escalation_target === null));
  });
});

describe("fake Aircall: the numbers of each user", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({
      now: NOW,
      counts: { ...SMALL, numbers: 60 },
    });
  });
  after(() => fake.close());

  it("serves /v2/users/{id}/numbers paged, as /v1/numbers serves numbers", async () => {
    const numbers = new Map(fake.data.numbers.map((n) => [n.id, n]));
    let pairs = 0;
    const flowEditor = new Set<boolean>();
    for (const user of fake.data.users) {
      const items = await _readAll(
        fake,
        `/v2/users/${user.id}/numbers?per_page=50`,
        "numbers",
      );
      assert.deepEqual(items, fake.data.userNumbers[user.id], String(user.id));
      for (const item of items) {
        const { flow_editor_enabled, ...number } = item;
        assert.ok(_assignedNumber(item));
        assert.deepEqual(number, numbers.get(item.id as number));
        flowEditor.add(flow_editor_enabled as boolean);
      }
      if (user.default_number_id !== null) {
        assert.ok(items.some((n) => n.id === user.default_number_id));
      }
      pairs += items.length;
    }
    assert.ok(pairs > fake.data.users.length);
    assert.equal(flowEditor.size, 2, "with and without the flow editor");
    const admin = fake.data.users[0].id;
    const page2 = await _get(
      fake,
      `/v2/users/${admin}/numbers?per_page=50&page=2`,
    );
    assert.equal(page2.body.meta.total, 60);
    assert.equal(page2.body.numbers.length, 10);
    assert.ok(
      fake.data.users.some((u) => fake.data.userNumbers[u.id].length === 0),
    );
  });

  it("answers 404 for a user that does not exist or was deleted", async () => {
    assert.equal((await _get(fake, "/v2/users/1/numbers")).status, 404);
    const [gone] = fake.data.users.splice(3, 1);
    try {
      const r = await _get(fake, `/v2/users/${gone.id}/numbers`);
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, { message: "Not Found" });
    } finally {
      fake.data.users.splice(3, 0, gone);
    }
    assert.equal(
      (await _get(fake, `/v2/users/${gone.id}/numbers`)).status,
      200,
    );
  });
});

describe("fake Aircall: the Power Dialer", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({
      now: NOW,
      counts: { ...SMALL, users: 60 },
    });
  });
  after(() => fake.close());

  it("serves each user's campaign, its queue paged under numbers, and 404 without one", async () => {
    let long = 0;
    for (const user of fake.data.users) {
      const campaign = await _get(fake, `/v1/users/${user.id}/dialer_campaign`);
      const path = `/v1/users/${user.id}/dialer_campaign/phone_numbers`;
      const expected = fake.data.dialerCampaigns[user.id];
      if (expected === undefined) {
        assert.equal(campaign.status, 404);
        assert.equal((await _get(fake, path)).status, 404);
        continue;
      }
      assert.deepEqual(campaign.body, { dialer_campaign: expected });
      assert.ok(_int(expected.id) && _iso(expected.created_at));
      assert.ok(_str(expected.number_id) || _int(expected.number_id));
      const queue = await _readAll(fake, `${path}?per_page=50`, "numbers");
      assert.deepEqual(queue, fake.data.dialerNumbers[user.id]);
      const item = _exactly({
        id: _int,
        number: (v) => typeof v === "string" && /^\+?[0-9 -]+$/.test(v),
        called: _bool,
        created_at: _iso,
      });
      assert.ok(queue.every(item), JSON.stringify(queue));
      if (queue.length > 50) long++;
    }
    assert.ok(long >= 2, `${long} queues longer than a page`);
    const missing = await _get(fake, "/v1/users/1/dialer_campaign");
    assert.equal(missing.status, 404);
  });
});

describe("fake Aircall: Conversation Intelligence", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({
      now: NOW,
      counts: { ...SMALL, calls: 600 },
    });
  });
  after(() => fake.close());

  const visible = () =>
    fake.data.calls.filter((c) => c.started_at >= NOW - CALLS_HISTORY_SECONDS);
  const names = Object.keys(AI_RESOURCES) as FakeAiName[];

  it("serves each object only for calls that can have it, some minutes after they end", async () => {
    for (const name of names) {
      let served = 0;
      for (const call of visible().slice(0, 200)) {
        const reply = await _get(fake, `/v1/calls/${call.id}/${name}`);
        const created = aiCreatedAt(1, call, name);
        if (reply.status === 200) {
          served++;
          assert.ok(aiEligible(call, name), `${call.id}/${name} eligible`);
          assert.ok(created !== undefined && created <= NOW);
          assert.ok(created >= call.ended_at + AI_RESOURCES[name].delay[0]);
        } else {
          assert.equal(reply.status, 404);
          assert.deepEqual(reply.body, { message: "Not Found" });
          assert.ok(created === undefined || created > NOW);
        }
        if (!AI_RESOURCES[name].voicemails && call.answered_at === null) {
          assert.equal(reply.status, 404, "never for a voicemail");
        }
      }
      assert.ok(served > 0, name);
    }
  });

  it("wraps objects in their documented envelopes, or the twin key, or not at all", async () => {
    const call = visible().find((c) =>
      names.every((name) => (aiCreatedAt(1, c, name) ?? Infinity) <= NOW)
    )!;
    assert.ok(call, "a call with all nine");
    const keys = async () =>
      Object.fromEntries(
        await Promise.all(names.map(async (name) => [
          name,
          Object.keys((await _get(fake, `/v1/calls/${call.id}/${name}`)).body)
            .sort().join(","),
        ])),
      );
    assert.deepEqual((await keys()).transcription, "transcription");
    assert.deepEqual((await keys()).topics, "topic");
    assert.deepEqual((await keys()).predicted_csat, "csat");
    assert.deepEqual((await keys()).action_items, "action_items,call_id");
    fake.aiEnvelope = "twin";
    assert.deepEqual((await keys()).topics, "topics");
    fake.aiEnvelope = "bare";
    assert.match((await keys()).summary, /^call_id,content,created_at,id$/);
    fake.aiEnvelope = "documented";
  });

  it("changes a mutable object when it is edited, and refuses to edit the others", async () => {
    const call = visible().find((c) =>
      (aiCreatedAt(1, c, "action_items") ?? Infinity) <= NOW
    )!;
    const path = `/v1/calls/${call.id}/action_items`;
    const before = (await _get(fake, path)).body;
    fake.editAi(call.id, "action_items");
    const after = (await _get(fake, path)).body;
    assert.notDeepEqual(after, before);
    assert.match(after.action_items[0].content, /\(edit 1\)/);
    assert.throws(() => fake.editAi(call.id, "summary"), /never edited/);
  });

  it("answers 403 for a resource the company lacks the add-on for, and 404 for an unknown call", async () => {
    const call = visible()[0];
    fake.aiForbidden.add("evaluations");
    try {
      const reply = await _get(fake, `/v1/calls/${call.id}/evaluations`);
      assert.equal(reply.status, 403);
    } finally {
      fake.aiForbidden.clear();
    }
    assert.equal((await _get(fake, "/v1/calls/1/summary")).status, 404);
    assert.equal(
      (await _get(fake, `/v1/calls/${call.id}/unknown`)).status,
      404,
    );
  });
});

describe("fake Aircall: the account changing under a read", () => {
  it("deletes the record at a position of the list the request reads, inserts and ages", async () => {
    const fake = await FakeAircall.start({ now: NOW, counts: SMALL });
    try {
      const first = await _get(fake, "/v1/contacts?per_page=50&order=desc");
      const tenth = first.body.contacts[10].id;
      fake.faults.churn = {
        path: "/v1/contacts",
        deleteAt: 10,
        insertPerRequest: 2,
        changeAt: NOW + 5,
      };
      const second = await _get(fake, "/v1/contacts?per_page=50&order=desc");
      assert.ok(!fake.data.contacts.some((c) => c.id === tenth));
      assert.equal(second.body.meta.total, SMALL.contacts + 1);
      assert.equal(second.body.contacts[0].created_at, NOW + 5);
      fake.faults.churn = { path: "/v1/calls", agePerRequest: 3_600 };
      await _get(fake, "/v1/calls");
      assert.equal(fake.now, NOW + 3_600);
    } finally {
      await fake.close();
    }
  });

  it("sends counts in meta as strings, and waits before answering, when asked", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { stringMeta: true, latencyMs: 120 },
    });
    try {
      const started = performance.now();
      const reply = await _get(fake, "/v1/tags?per_page=50");
      assert.ok(performance.now() - started >= 110);
      assert.equal(reply.body.meta.total, String(SMALL.tags));
      assert.equal(reply.body.meta.current_page, "1");
    } finally {
      await fake.close();
    }
  });
});

describe("fake Aircall: contacts", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({
      now: NOW,
      counts: { ...SMALL, contacts: 700 },
    });
  });
  after(() => fake.close());

  it("generates valid contacts, a third recently updated, with import bursts", () => {
    const contacts = fake.data.contacts;
    assert.ok(
      contacts.every((c) => _contact(c) && c.updated_at >= c.created_at),
    );
    const recent =
      contacts.filter((c) => c.updated_at >= NOW - 21 * DAY).length;
    assert.ok(recent > 700 / 4 && recent < 700 / 2, String(recent));
    const bursts = [..._countBy(contacts.map((c) => c.created_at))].filter((
      [, n],
    ) => n >= 50);
    assert.ok(bursts.length >= 2);
    assert.ok(contacts.some((c) => c.created_at < NOW - 2 * 365 * DAY));
  });

  it("filters created_at with from and to both inclusive", async () => {
    const [second, n] = [
      ..._countBy(fake.data.contacts.map((c) => c.created_at)),
    ]
      .find(([, k]) => k >= 50)!;
    const total = async (q: string) =>
      (await _get(fake, `/v1/contacts?per_page=1&${q}`)).body.meta.total;
    assert.equal(await total(`from=${second}&to=${second}`), n);
    assert.equal(
      await total(`from=${second + 1}&to=${second + 1}`),
      fake.data.contacts.filter((c) => c.created_at === second + 1).length,
    );
    assert.equal(await total(`from=${NOW + 1}`), 0);
  });

  it("orders by updated_at, ties by id, both ways", async () => {
    const asc = await _readAll(
      fake,
      "/v1/contacts?per_page=50&order_by=updated_at",
      "contacts",
    ) as unknown as FakeContact[];
    for (let i = 1; i < asc.length; i++) {
      const a = asc[i - 1];
      const b = asc[i];
      assert.ok(
        a.updated_at < b.updated_at ||
          (a.updated_at === b.updated_at && a.id < b.id),
      );
    }
    const ties = [..._countBy(asc.map((c) => c.updated_at))].filter(([, n]) =>
      n >= 20
    );
    assert.ok(ties.length >= 1, "a bulk update shares one second");
    const desc = await _readAll(
      fake,
      "/v1/contacts?per_page=50&order_by=updated_at&order=desc",
      "contacts",
    );
    assert.deepEqual(desc.map((c) => c.id), asc.map((c) => c.id).reverse());
  });

  it("reflects updateContacts and addContacts", async () => {
    const ids = [fake.data.contacts[0].id, fake.data.contacts[5].id];
    fake.updateContacts(ids, NOW + 5);
    const r = await _get(
      fake,
      "/v1/contacts?per_page=2&order_by=updated_at&order=desc",
    );
    assert.deepEqual(
      r.body.contacts.map((c: FakeContact) => c.id).sort(),
      [...ids].sort(),
    );
    assert.throws(() => fake.updateContacts([42]));
    const added = fake.addContacts(4, NOW + 10);
    const w = await _get(fake, `/v1/contacts?from=${NOW + 10}&to=${NOW + 10}`);
    assert.deepEqual(
      w.body.contacts.map((c: FakeContact) => c.id),
      added.map((c) => c.id),
    );
    assert.ok(added.every((c) => c.updated_at === NOW + 10 && _contact(c)));
  });
});

describe("fake Aircall: users, numbers, teams, tags, webhooks, availabilities", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({ now: NOW, counts: SMALL });
  });
  after(() => fake.close());

  it("serves valid records of every kind", async () => {
    const checks: [string, string, (v: unknown) => boolean, number][] = [
      ["/v2/users", "users", _user, SMALL.users],
      ["/v1/numbers", "numbers", _number, SMALL.numbers],
      ["/v1/teams", "teams", _team, SMALL.teams],
      ["/v1/tags", "tags", _tag, SMALL.tags],
      ["/v1/webhooks?", "webhooks", _webhook, SMALL.webhooks],
    ];
    for (const [path, key, check, count] of checks) {
      const items = path.endsWith("?")
        ? (await _get(fake, `${path}per_page=50`)).body[key].concat(
          (await _get(fake, `${path}per_page=50&page=2`)).body[key],
        )
        : await _readAll(fake, `${path}?per_page=50`, key);
      assert.equal(items.length, count, path);
      for (const item of items) {
        assert.ok(check(item), `${path} ${JSON.stringify(item)}`);
      }
    }
  });

  it("writes ISO created_at with and without milliseconds", () => {
    const withMs = fake.data.users.filter((u) =>
      u.created_at.endsWith(".000Z")
    );
    assert.ok(withMs.length > 0 && withMs.length < fake.data.users.length);
  });

  it("filters users, numbers and teams on created_at, both inclusive", async () => {
    for (
      const [path, key] of [
        ["/v2/users", "users"],
        ["/v1/numbers", "numbers"],
        ["/v1/teams", "teams"],
      ]
    ) {
      const items = (fake.data as unknown as Record<
        string,
        { id: number; created_at: string }[]
      >)[key];
      const t = Date.parse(items[5].created_at) / 1000;
      const r = await _get(fake, `${path}?from=${t}&to=${t}`);
      assert.deepEqual(r.body[key].map((x: { id: number }) => x.id), [
        items[5].id,
      ], path);
      const r2 = await _get(fake, `${path}?per_page=50&from=${t}`);
      assert.equal(
        r2.body.meta.total,
        items.filter((x) => Date.parse(x.created_at) / 1000 >= t).length,
      );
    }
  });

  it("ignores from/to on tags and webhooks", async () => {
    const r = await _get(fake, `/v1/tags?from=${NOW}&to=${NOW}`);
    assert.equal(r.body.meta.total, SMALL.tags);
  });

  it("serves one availability per user", async () => {
    const items = await _readAll(
      fake,
      "/v1/users/availabilities?per_page=50",
      "users",
    );
    assert.deepEqual(items.map((a) => a.id), fake.data.users.map((u) => u.id));
    const allowed = [
      "available",
      "offline",
      "do_not_disturb",
      "in_call",
      "after_call_work",
    ];
    for (const a of items) {
      assert.deepEqual(Object.keys(a), ["id", "availability"]);
      assert.ok(allowed.includes(a.availability as string));
    }
  });

  it("omits custom_name on some webhooks only", () => {
    const named = fake.data.webhooks.filter((w) => "custom_name" in w).length;
    assert.ok(named > 0 && named < fake.data.webhooks.length);
  });
});

describe("fake Aircall: determinism", () => {
  it("generates identical data for the same seed and now, different for another seed", () => {
    const a = generateData({ now: NOW, seed: 7, counts: SMALL });
    const b = generateData({ now: NOW, seed: 7, counts: SMALL });
    const c = generateData({ now: NOW, seed: 8, counts: SMALL });
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.notEqual(JSON.stringify(a), JSON.stringify(c));
  });
});

describe("fake Aircall: the 10k cap on a large dataset", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await FakeAircall.start({
      now: NOW,
      counts: {
        calls: 10_600,
        contacts: 21,
        users: 21,
        numbers: 21,
        teams: 21,
        tags: 21,
        webhooks: 21,
      },
    });
  });
  after(() => fake.close());

  it("refuses page 201 at 50 per page while meta.total stays uncapped", async () => {
    const visible = fake.visibleCallIds();
    assert.ok(visible.length > 10_000);
    const last = await _get(fake, "/v1/calls?per_page=50&page=200");
    assert.equal(last.status, 200);
    assert.equal(last.body.calls.length, 50);
    assert.equal(last.body.meta.total, visible.length);
    assert.equal(last.body.calls[49].id, visible[9_999]);
    assert.ok(last.body.meta.next_page_link !== null);
    const over = await _get(fake, last.body.meta.next_page_link);
    assert.equal(over.status, 400);
    assert.match(over.body.errors, /limited to 10k results/);
  });

  it("lets time windows reach every call", async () => {
    const visible = fake.visibleCallIds();
    const mid =
      fake.data.calls.find((c) => c.id === visible[6_000])!.started_at;
    const total = async (q: string) =>
      (await _get(fake, `/v1/calls?per_page=1&${q}`)).body.meta.total;
    const left = await total(`to=${mid}`);
    const right = await total(`from=${mid}`);
    assert.equal(left + right, visible.length);
    assert.ok(left < 10_000 && right < 10_000);
  });

  it("serves many sequential requests over keep-alive quickly", async () => {
    const t0 = performance.now();
    for (let i = 1; i <= 200; i++) {
      const r = await _get(fake, `/v1/calls?per_page=50&page=${i}`);
      assert.equal(r.status, 200);
    }
    assert.ok(performance.now() - t0 < 10_000);
  });
});

function _sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The X-AircallApi-* headers of a response, lower-cased names. */
function _aircallHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of res.headers) {
    if (k.toLowerCase().startsWith("x-aircallapi-")) out[k.toLowerCase()] = v;
  }
  return out;
}

/** Status of a GET, the body read and ignored (faults may answer HTML). */
async function _status(fake: FakeAircall, path: string): Promise<number> {
  const res = await _fetch(fake, path);
  await res.text();
  return res.status;
}

async function _fetch(
  fake: FakeAircall,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  return await fetch(fake.url + path, {
    ...init,
    headers: { authorization: AUTH, ...(init.headers ?? {}) },
  });
}

describe("fake Aircall: rate limit", () => {
  it("answers the request over the limit 429 with the headers in seconds, blocks, then lets through", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { rateLimit: { limit: 3, windowMs: 1000, blockMs: 500 } },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await _fetch(fake, "/v1/ping");
        assert.equal(res.status, 200);
        assert.deepEqual(_aircallHeaders(res), {});
        await res.text();
      }
      const t0 = Date.now();
      const res = await _fetch(fake, "/v1/calls");
      const t1 = Date.now();
      assert.equal(res.status, 429);
      const h = _aircallHeaders(res);
      assert.deepEqual(Object.keys(h).sort(), [
        "x-aircallapi-limit",
        "x-aircallapi-remaining",
        "x-aircallapi-reset",
      ]);
      assert.equal(h["x-aircallapi-limit"], "3");
      assert.equal(h["x-aircallapi-remaining"], "0");
      const reset = Number(h["x-aircallapi-reset"]);
      assert.ok(Number.isInteger(reset) && reset < 1e12, String(reset));
      assert.ok(reset >= Math.ceil((t0 + 500) / 1000), String(reset));
      assert.ok(reset <= Math.ceil((t1 + 500) / 1000), String(reset));
      const body = await res.json();
      assert.equal(body.error, "Too Many Requests");
      assert.equal(typeof body.troubleshoot, "string");

      const during = await _get(fake, "/v1/ping");
      assert.equal(during.status, 429);
      assert.equal(during.body.error, "Too Many Requests");
      // Unauthenticated requests count and are blocked too.
      const anon = await fetch(fake.url + "/v1/ping");
      assert.equal(anon.status, 429);
      await anon.text();

      await _sleep(t1 + 500 - Date.now() + 20);
      for (let i = 0; i < 3; i++) {
        assert.equal(await _status(fake, "/v1/ping"), 200);
      }
      assert.equal(await _status(fake, "/v1/ping"), 429);
      assert.deepEqual(fake.requests.map((r) => r.status), [
        200,
        200,
        200,
        429,
        429,
        429,
        200,
        200,
        200,
        429,
      ]);
      assert.equal(fake.stats.rateLimited, 4);
      assert.equal(fake.stats.served, 6);
    } finally {
      await fake.close();
    }
  });

  it("gives X-AircallApi-Reset in milliseconds with resetUnit ms, the exact end of the block", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: {
        rateLimit: { limit: 2, windowMs: 1000, blockMs: 500, resetUnit: "ms" },
      },
    });
    try {
      assert.equal(await _status(fake, "/v1/ping"), 200);
      assert.equal(await _status(fake, "/v1/ping"), 200);
      const t0 = Date.now();
      const res = await _fetch(fake, "/v1/ping");
      const t1 = Date.now();
      await res.text();
      assert.equal(res.status, 429);
      const reset = Number(res.headers.get("X-AircallApi-Reset"));
      assert.ok(reset > 1e12, String(reset));
      assert.ok(reset >= t0 + 500 && reset <= t1 + 500, `${t0} ${reset} ${t1}`);
      assert.equal(res.headers.get("X-AircallApi-Limit"), "2");
      assert.equal(res.headers.get("X-AircallApi-Remaining"), "0");
      // The header of a request during the block names the same end.
      const again = await _fetch(fake, "/v1/ping");
      await again.text();
      assert.equal(again.status, 429);
      assert.equal(Number(again.headers.get("X-AircallApi-Reset")), reset);
      // Obeying the header is enough.
      await _sleep(reset - Date.now() + 5);
      assert.equal(await _status(fake, "/v1/ping"), 200);
    } finally {
      await fake.close();
    }
  });

  it("omits the headers with headers: false", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { rateLimit: { limit: 1, blockMs: 500, headers: false } },
    });
    try {
      assert.equal(await _status(fake, "/v1/ping"), 200);
      for (let i = 0; i < 2; i++) {
        const res = await _fetch(fake, "/v1/ping");
        assert.equal(res.status, 429);
        assert.deepEqual(_aircallHeaders(res), {});
        assert.equal((await res.json()).error, "Too Many Requests");
      }
    } finally {
      await fake.close();
    }
  });

  it("never limits evenly spaced requests at exactly the limit rate, and limits one more (manual clock)", async () => {
    let clock = 1_700_000_000_000;
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      clock: () => clock,
      faults: { rateLimit: { limit: 4, windowMs: 1000, blockMs: 500 } },
    });
    try {
      const start = clock;
      for (let k = 0; k < 24; k++) {
        clock = start + k * 250;
        assert.equal(await _status(fake, "/v1/ping"), 200, `k=${k}`);
      }
      // One more inside the same window is over the limit.
      const over = await _fetch(fake, "/v1/ping");
      await over.text();
      assert.equal(over.status, 429);
      assert.equal(
        over.headers.get("X-AircallApi-Reset"),
        String(Math.ceil((clock + 500) / 1000)),
      );
      clock += 499;
      assert.equal(await _status(fake, "/v1/ping"), 429);
      clock += 1;
      // The block ends with an empty window: a burst of `limit` passes.
      for (let i = 0; i < 4; i++) {
        assert.equal(await _status(fake, "/v1/ping"), 200);
      }
      // Rolling window: the burst still counts 999 ms later, not 1000 ms later.
      clock += 999;
      assert.equal(await _status(fake, "/v1/ping"), 429);
      assert.equal(fake.stats.rateLimited, 3);
    } finally {
      await fake.close();
    }
  });

  it("answers a blocked request 429 even when other faults would apply", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: {
        rateLimit: { limit: 1, blockMs: 500 },
        serverErrorRate: 1,
        resetRate: 0,
      },
    });
    try {
      assert.ok(await _status(fake, "/v1/ping") >= 500);
      fake.faults.resetRate = 1;
      assert.equal(await _status(fake, "/v1/ping"), 429);
      assert.equal(await _status(fake, "/v1/ping"), 429);
      assert.deepEqual(fake.stats, {
        served: 0,
        rateLimited: 2,
        serverErrors: 1,
        resets: 0,
        stalls: 0,
        truncated: 0,
      });
    } finally {
      await fake.close();
    }
  });
});

describe("fake Aircall: random faults and the kill point", () => {
  it("answers 5xx with JSON or HTML bodies at serverErrorRate 1", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { serverErrorRate: 1 },
    });
    try {
      const statuses = new Set<number>();
      const types = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const res = await _fetch(fake, "/v1/calls");
        const text = await res.text();
        assert.ok(
          [500, 502, 503, 504].includes(res.status),
          String(res.status),
        );
        assert.deepEqual(_aircallHeaders(res), {});
        const type = res.headers.get("content-type") ?? "";
        if (type.startsWith("application/json")) {
          assert.equal(typeof JSON.parse(text).message, "string");
          types.add("json");
        } else {
          assert.match(type, /^text\/html/);
          assert.match(text, new RegExp(`<h1>${res.status} `));
          types.add("html");
        }
        statuses.add(res.status);
      }
      assert.deepEqual([...types].sort(), ["html", "json"]);
      assert.ok(statuses.size >= 3, [...statuses].join());
      assert.equal(fake.stats.serverErrors, 30);
      assert.equal(fake.stats.served, 0);
      assert.deepEqual(
        fake.requests.map((r) => r.status).filter((s) => s < 500),
        [],
      );
    } finally {
      await fake.close();
    }
  });

  it("repeats the same faults for the same seed", async () => {
    const run = async (seed: number) => {
      const fake = await FakeAircall.start({
        now: NOW,
        seed,
        counts: SMALL,
        faults: { serverErrorRate: 0.5 },
      });
      try {
        const out: number[] = [];
        for (let i = 0; i < 20; i++) {
          out.push(await _status(fake, "/v1/ping"));
        }
        return out.join();
      } finally {
        await fake.close();
      }
    };
    const a = await run(5);
    assert.equal(await run(5), a);
    assert.notEqual(await run(6), a);
    assert.match(a, /200/);
    assert.match(a, /50\d/);
  });

  it("resets the connection without a response at resetRate 1", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { resetRate: 1 },
    });
    try {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(_fetch(fake, "/v1/calls"), TypeError);
      }
      assert.equal(fake.stats.resets, 3);
      assert.deepEqual(fake.requests.map((r) => r.status), [0, 0, 0]);
      fake.faults = {};
      assert.equal(await _status(fake, "/v1/ping"), 200);
    } finally {
      await fake.close();
    }
  });

  it("cuts 200 bodies in the middle at truncateRate 1, with Content-Length or chunked", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { truncateRate: 1 },
    });
    try {
      const framings = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const res = await _fetch(fake, "/v1/calls?per_page=50");
        assert.equal(res.status, 200);
        framings.add(res.headers.has("content-length") ? "length" : "chunked");
        let text: string | undefined;
        try {
          text = await res.text();
        } catch {
          text = undefined;
        }
        if (text !== undefined) assert.throws(() => JSON.parse(text));
      }
      assert.deepEqual([...framings].sort(), ["chunked", "length"]);
      // Only 200s are cut: errors arrive whole.
      const missing = await _get(fake, "/v1/nope");
      assert.equal(missing.status, 404);
      assert.equal(fake.stats.truncated, 12);
      assert.equal(fake.stats.served, 1);
      assert.deepEqual(
        fake.requests.map((r) => r.status),
        [...new Array(12).fill(0), 404],
      );
    } finally {
      await fake.close();
    }
  });

  it("stalls at stallRate 1, then answers if the client is still there", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { stallRate: 1, stallMs: 300 },
    });
    try {
      const t0 = performance.now();
      await assert.rejects(
        _fetch(fake, "/v1/calls", { signal: AbortSignal.timeout(100) }),
        (err: Error) => err.name === "TimeoutError",
      );
      assert.ok(performance.now() - t0 < 290);
      const t1 = performance.now();
      const late = await _get(fake, "/v1/ping");
      assert.equal(late.status, 200);
      assert.deepEqual(late.body, { ping: "pong" });
      assert.ok(performance.now() - t1 >= 290);
      assert.equal(fake.stats.stalls, 2);
      assert.equal(fake.stats.served, 1);
      assert.deepEqual(fake.requests.map((r) => r.status), [0, 0]);
    } finally {
      await fake.close();
    }
  });

  it("calls the kill action once after N requests and stalls every later one", async () => {
    let killed = 0;
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { kill: { afterRequests: 3, action: () => killed++ } },
    });
    try {
      for (let i = 0; i < 3; i++) {
        assert.equal(await _status(fake, "/v1/ping"), 200);
        assert.equal(killed, 0);
      }
      for (let i = 0; i < 3; i++) {
        await assert.rejects(
          _fetch(fake, "/v1/calls", { signal: AbortSignal.timeout(100) }),
          (err: Error) => err.name === "TimeoutError",
        );
        assert.equal(killed, 1);
      }
      assert.equal(fake.stats.stalls, 3);
      assert.deepEqual(
        fake.requests.map((r) => r.status),
        [200, 200, 200, 0, 0, 0],
      );
      // A new kill object restarts the count.
      fake.faults = { kill: { afterRequests: 1, action: () => killed++ } };
      assert.equal(await _status(fake, "/v1/ping"), 200);
      await assert.rejects(
        _fetch(fake, "/v1/ping", { signal: AbortSignal.timeout(100) }),
      );
      assert.equal(killed, 2);
    } finally {
      await fake.close();
    }
  });

  it("limits random faults to pathPrefix", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { serverErrorRate: 1, pathPrefix: "/v1/calls" },
    });
    try {
      assert.ok(await _status(fake, "/v1/calls") >= 500);
      assert.ok(await _status(fake, "/v1/calls?page=2") >= 500);
      assert.equal(await _status(fake, "/v1/tags"), 200);
      assert.equal(await _status(fake, "/v1/ping"), 200);
      fake.faults.pathPrefix = "/v1/tags";
      assert.equal(await _status(fake, "/v1/calls"), 200);
      assert.ok(await _status(fake, "/v1/tags") >= 500);
      assert.equal(fake.stats.serverErrors, 3);
      assert.equal(fake.stats.served, 3);
    } finally {
      await fake.close();
    }
  });

  it("takes faults set after start, by assignment or mutation", async () => {
    const fake = await FakeAircall.start({ now: NOW, counts: SMALL });
    try {
      assert.equal(await _status(fake, "/v1/ping"), 200);
      fake.faults = { serverErrorRate: 1 };
      assert.ok(await _status(fake, "/v1/ping") >= 500);
      fake.faults.serverErrorRate = 0;
      fake.faults.rateLimit = { limit: 0, blockMs: 500 };
      assert.equal(await _status(fake, "/v1/ping"), 429);
      delete fake.faults.rateLimit;
      assert.equal(await _status(fake, "/v1/ping"), 200);
    } finally {
      await fake.close();
    }
  });

  it("closes promptly with stalled sockets open", async () => {
    const fake = await FakeAircall.start({
      now: NOW,
      counts: SMALL,
      faults: { stallRate: 1 },
    });
    const pending = [0, 1, 2].map(() =>
      _fetch(fake, "/v1/calls").then(
        (res) => res.text().then(() => "answered"),
        () => "failed",
      )
    );
    const deadline = performance.now() + 1000;
    while (fake.stats.stalls < 3 && performance.now() < deadline) {
      await _sleep(5);
    }
    assert.equal(fake.stats.stalls, 3);
    const t0 = performance.now();
    await fake.close();
    assert.ok(performance.now() - t0 < 500);
    assert.deepEqual(await Promise.all(pending), [
      "failed",
      "failed",
      "failed",
    ]);
  });
});
