import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { catalog } from "../src/source.ts";
import { STREAMS } from "../src/streams/mod.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  allStreams,
  callsRequestsNotExpanded,
  type CatalogStream,
  checkpointViolations,
  type CliRun,
  lastStates,
  type Message,
  ofType,
  protocolErrors,
  readFake as read,
  recordsByStream,
  ROOT,
  runCli,
  startFake,
  strictRecordValidator,
  strictSchemaErrors,
  tempDir,
  TEST_API_ID,
  TEST_API_TOKEN,
  testConfig,
  writeJson,
} from "./_helpers.ts";

const START_DATE = "2020-01-01T00:00:00.000Z";
const STREAM_NAMES = Object.keys(allStreams("full_refresh"));

const CATALOG = catalog().streams as CatalogStream[];
// deno-lint-ignore no-explicit-any
type Loose = Record<string, any>;

/** What identifies a record: its id, or its key fields joined by "/". */
function keyOf(record: Record<string, unknown>, fields: string[]): unknown {
  return fields.length === 1
    ? record[fields[0]]
    : fields.map((field) => record[field]).join("/");
}

function ids(records: Record<string, unknown>[] | undefined, key = ["id"]) {
  return (records ?? []).map((record) => keyOf(record, key));
}

function sorted<T>(values: T[]): T[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What the fake holds, per stream, as the connector should emit it. */
function expectedIds(fake: FakeAircall): Record<string, unknown[]> {
  const start = Date.parse(START_DATE) / 1000;
  const { data } = fake;
  return {
    calls: fake.visibleCallIds(),
    company: [data.company.name],
    contacts: data.contacts.filter((c) => c.created_at >= start).map((c) =>
      c.id
    ),
    dialer_campaigns: data.users.filter((u) => data.dialerCampaigns[u.id])
      .map((u) => u.id),
    dialer_campaign_numbers: data.users.flatMap((u) =>
      (data.dialerNumbers[u.id] ?? []).map((n) => `${u.id}/${n.id}`)
    ),
    numbers: data.numbers.map((n) => n.id),
    tags: data.tags.map((t) => t.id),
    teams: data.teams.map((t) => t.id),
    user_availability: data.availabilities.map((a) => a.id),
    user_numbers: data.users.flatMap((u) =>
      data.userNumbers[u.id].map((n) => `${u.id}/${n.id}`)
    ),
    users: data.users.map((u) => u.id),
    webhooks: data.webhooks.map((w) => w.webhook_id),
  };
}

const PRIMARY_KEYS: Record<string, string[]> = Object.fromEntries(
  CATALOG.map((s) => [s.name, s.source_defined_primary_key!.flat()]),
);

/**
 * Checks that each emitted call carries the contact, IVR path and AI voice
 * agent segments the fake holds for it, and that some of each exist.
 */
function assertCallsExpanded(
  fake: FakeAircall,
  calls: Record<string, unknown>[] | undefined,
): void {
  const stored = new Map(fake.data.calls.map((c) => [c.id, c]));
  assert.ok(calls && calls.length > 0);
  for (const call of calls) {
    const expected = stored.get(call.id as number)!;
    assert.deepEqual(call.contact, expected.contact, `call ${call.id} contact`);
    assert.deepEqual(call.ivr_options_selected, expected.ivr_options_selected);
    assert.deepEqual(call.ai_voice_agents, expected.ai_voice_agents);
  }
  assert.ok(calls.some((c) => c.contact !== null), "some calls have a contact");
  const some = (field: string) =>
    calls.some((c) => (c[field] as unknown[]).length > 0);
  assert.ok(some("ivr_options_selected"), "some calls have an IVR path");
  assert.ok(some("ai_voice_agents"), "some calls met an AI voice agent");
}

function assertCleanRun(run: CliRun, streams: string[]): void {
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  assert.equal(run.stderr, "", "nothing on stderr when it is not a terminal");
  assert.deepEqual(protocolErrors(run.messages), []);
  assert.deepEqual(checkpointViolations(run.messages, streams), []);
  assert.equal(ofType(run.messages, "TRACE", "ERROR").length, 0);
  for (const secret of [TEST_API_ID, TEST_API_TOKEN]) {
    assert.ok(!run.stdout.includes(secret), "no credential on stdout");
    assert.ok(!run.stderr.includes(secret), "no credential on stderr");
  }
}

describe("read: full refresh of every stream", () => {
  let fake: FakeAircall;
  let run: CliRun;
  let records: Map<string, Record<string, unknown>[]>;
  before(async () => {
    fake = await startFake();
    run = await read(fake, allStreams("full_refresh"));
    records = recordsByStream(run.messages);
  });
  after(() => fake.close());

  it("exits 0, prints only valid protocol messages, keeps the checkpoint rules", () => {
    assertCleanRun(run, STREAM_NAMES);
  });

  it("emits every record of every stream exactly once", () => {
    for (const [stream, expected] of Object.entries(expectedIds(fake))) {
      const got = ids(records.get(stream), PRIMARY_KEYS[stream]);
      assert.ok(expected.length > 0, `${stream} has data`);
      assert.equal(got.length, expected.length, `${stream} count`);
      assert.deepEqual(sorted(got), sorted(expected), stream);
    }
  });

  it("emits records that pass their discovered schema strictly, nested objects closed", () => {
    assert.deepEqual(strictSchemaErrors(run.messages, CATALOG), []);
    assert.equal(records.size, CATALOG.length, "every stream has records");
  });

  it("would fail a record with a field its schema lacks, at any depth", () => {
    const calls = CATALOG.find((s) => s.name === "calls")!;
    const validate = strictRecordValidator(calls.json_schema);
    const call = records.get("calls")!.find((c) =>
      c.contact !== null && (c.ai_voice_agents as unknown[]).length > 0 &&
      c.user !== null && (c.tags as unknown[]).length > 0
    )!;
    assert.ok(validate(call));
    const copy = () => structuredClone(call) as Loose;
    const extra = [
      (c: Loose) => c.new_field = 1,
      (c: Loose) => c.contact.new_field = 1,
      (c: Loose) => c.contact.phone_numbers[0].new_field = 1,
      (c: Loose) => c.number.messages.new_field = "x",
      (c: Loose) => c.ai_voice_agents[0].new_field = 1,
      // The user of a call is a variant without the top-level user's substatus.
      (c: Loose) => c.user.substatus = null,
      (c: Loose) => c.tags[0].new_field = 1,
    ];
    for (const add of extra) {
      const changed = copy();
      add(changed);
      assert.ok(!validate(changed), add.toString());
    }
  });

  it("types the nested shapes as served: a call's user, number and tags, a team's members", () => {
    const calls = records.get("calls")!;
    const users = calls.flatMap((c) =>
      [c.user, c.assigned_to, c.transferred_by, c.transferred_to]
        .filter((u) => u !== null) as Record<string, unknown>[]
    );
    assert.ok(users.every((u) => "wrap_up_time" in u && !("substatus" in u)));
    assert.ok(
      calls.every((c) =>
        c.number === null || typeof (c.number as Loose).flow_editor_enabled ===
          "boolean"
      ),
    );
    const tags = calls.flatMap((c) => c.tags as Loose[]);
    assert.ok(tags.some((t) => "tagged_by" in t && "created_at" in t));
    assert.ok(calls.some((c) => "conference_participants" in c));
    assert.ok(calls.some((c) => "automatic_callback_call_id" in c));
    const members = records.get("teams")!.flatMap((t) => t.users as Loose[]);
    assert.ok(members.length > 0);
    assert.ok(
      members.every((m) => "default_number_id" in m && !("state" in m)),
    );
    // ...and the strict schemas refuse what each variant lacks.
    const teams = CATALOG.find((s) => s.name === "teams")!;
    const team = structuredClone(
      records.get("teams")!.find((t) => (t.users as unknown[]).length > 0)!,
    ) as Loose;
    const validate = strictRecordValidator(teams.json_schema);
    assert.ok(validate(team));
    team.users[0].substatus = null;
    assert.ok(!validate(team));
  });

  it("sends the three expansion flags with every calls request, not fetch_short_urls", () => {
    assert.deepEqual(callsRequestsNotExpanded(fake.requests), []);
  });

  it("gives every call its contact, IVR path and AI voice agent segments", () => {
    assertCallsExpanded(fake, records.get("calls"));
  });

  it("emits RECORD emitted_at in epoch milliseconds", () => {
    const now = Date.now();
    for (const message of ofType(run.messages, "RECORD")) {
      const at = message.record!.emitted_at;
      assert.ok(
        Number.isInteger(at) && at > now - 600_000 && at <= now,
        `${at}`,
      );
    }
  });

  it("estimates each stream's size from meta.total, but fan-outs (known only at their end)", () => {
    const estimates = new Map(
      ofType(run.messages, "TRACE", "ESTIMATE").map((m) => [
        m.trace!.estimate!.name,
        m.trace!.estimate!.row_estimate,
      ]),
    );
    assert.equal(estimates.get("users"), fake.data.users.length);
    assert.equal(estimates.get("calls"), fake.visibleCallIds().length);
    assert.deepEqual(
      [...estimates.keys()].sort(),
      STREAMS.filter((s) => s.paging.kind !== "children").map((s) => s.name),
    );
  });

  it("never lets the webhook signing token out", () => {
    for (const webhook of records.get("webhooks")!) {
      assert.ok(!("token" in webhook));
    }
    for (const webhook of fake.data.webhooks) {
      assert.ok(!run.stdout.includes(webhook.token));
    }
  });

  it("asks 50 per page and never past the 10,000-result cap", () => {
    // Every list: not an object (the company, a call's Conversation
    // Intelligence, a user's dialer campaign).
    const lists = fake.requests.filter((r) =>
      r.path !== "/v1/company" && !/^\/v1\/calls\/\d+\//.test(r.path) &&
      !r.path.endsWith("/dialer_campaign")
    );
    assert.ok(lists.length > 0);
    // A user without a Power Dialer campaign has no queue either.
    const noQueue = (path: string) => {
      const user = /^\/v1\/users\/(\d+)\/dialer_campaign\//.exec(path)?.[1];
      return user !== undefined && !fake.data.dialerCampaigns[Number(user)];
    };
    for (const request of lists) {
      assert.equal(request.query.per_page, "50", request.path);
      assert.ok(Number(request.query.page) * 50 <= 10_000);
      assert.equal(request.status, noQueue(request.path) ? 404 : 200);
    }
  });

  it("asks for no calls older than the API's horizon", () => {
    // start_date is 2020: only the ~6-month horizon (plus a few days' margin) bounds the read.
    const horizon = fake.now - 190 * 86_400;
    const calls = fake.requests.filter((r) => r.path === "/v1/calls");
    for (const request of calls) {
      assert.ok(Number(request.query.from) >= horizon, request.query.from);
    }
  });

  it("reads the same again: later emitted_at, a superset of primary keys", async () => {
    const second = await read(fake, allStreams("full_refresh"));
    assertCleanRun(second, STREAM_NAMES);
    const times = (m: Message[]) =>
      ofType(m, "RECORD").map((r) => r.record!.emitted_at);
    assert.ok(
      Math.min(...times(second.messages)) >= Math.max(...times(run.messages)),
    );
    const again = recordsByStream(second.messages);
    for (const stream of STREAM_NAMES) {
      const key = PRIMARY_KEYS[stream];
      const secondIds = new Set(ids(again.get(stream), key));
      for (const id of ids(records.get(stream), key)) {
        assert.ok(secondIds.has(id), `${stream} ${id}`);
      }
    }
  });
});

describe("read: incremental", () => {
  let fake: FakeAircall;
  let first: CliRun;
  const streams = { calls: "incremental", contacts: "incremental" } as const;
  before(async () => {
    fake = await startFake();
    first = await read(fake, streams);
  });
  after(() => fake.close());

  it("first sync reads everything from start_date and saves cursors", () => {
    assertCleanRun(first, ["calls", "contacts"]);
    assert.deepEqual(strictSchemaErrors(first.messages, CATALOG), []);
    assert.deepEqual(callsRequestsNotExpanded(fake.requests), []);
    const records = recordsByStream(first.messages);
    assertCallsExpanded(fake, records.get("calls"));
    const expected = expectedIds(fake);
    assert.deepEqual(sorted(ids(records.get("calls"))), sorted(expected.calls));
    assert.deepEqual(
      sorted(ids(records.get("contacts"))),
      sorted(expected.contacts),
    );
    const [calls, contacts] = lastStates(first.messages);
    const now = Math.floor(Date.now() / 1000);
    assert.ok((calls!.stream.stream_state.started_at as number) <= now);
    assert.ok((calls!.stream.stream_state.started_at as number) >= fake.now);
    // The newest change's second, or the next once that second is settled
    // (see "contacts cursor" below).
    const maxUpdated = Math.max(...fake.data.contacts.map((c) => c.updated_at));
    assert.ok(
      [maxUpdated, maxUpdated + 1].includes(
        contacts!.stream.stream_state.updated_at as number,
      ),
    );
  });

  it("checkpoints calls after each window, ascending, never past now", () => {
    const cursors = ofType(first.messages, "STATE")
      .filter((m) => m.state!.stream.stream_descriptor.name === "calls")
      .map((m) => m.state!.stream.stream_state.started_at as number);
    assert.ok(cursors.length >= 1);
    assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b));
  });

  it("second sync reads new calls, the lookback window and changed contacts only", async () => {
    const state = lastStates(first.messages);
    const callsCursor = state[0]!.stream.stream_state.started_at as number;
    const contactsCursor = state[1]!.stream.stream_state.updated_at as number;
    const late = fake.addCalls(3, callsCursor - 3600);
    const changed = fake.data.contacts.slice(0, 4).map((c) => c.id);
    fake.updateContacts(changed, Math.floor(Date.now() / 1000));

    const before = fake.requests.length;
    const second = await read(fake, streams, {
      state: state.map((s) => ({ type: "STATE", state: s })).map((m) =>
        m.state
      ),
    });
    assertCleanRun(second, ["calls", "contacts"]);
    assert.deepEqual(strictSchemaErrors(second.messages, CATALOG), []);
    // The lookback's requests carry the flags too.
    assert.deepEqual(
      callsRequestsNotExpanded(fake.requests.slice(before)),
      [],
    );
    const records = recordsByStream(second.messages);
    assertCallsExpanded(fake, records.get("calls"));

    const lookbackFrom = callsCursor - 24 * 3600;
    const expectedCalls = fake.data.calls
      .filter((c) => c.started_at >= lookbackFrom)
      .map((c) => c.id);
    assert.deepEqual(sorted(ids(records.get("calls"))), sorted(expectedCalls));
    for (const call of late) assert.ok(expectedCalls.includes(call.id));

    const expectedContacts = fake.data.contacts
      .filter((c) => c.updated_at >= contactsCursor)
      .map((c) => c.id);
    assert.deepEqual(
      sorted(ids(records.get("contacts"))),
      sorted(expectedContacts),
    );
    for (const id of changed) assert.ok(expectedContacts.includes(id));

    const [calls, contacts] = lastStates(second.messages);
    assert.ok((calls!.stream.stream_state.started_at as number) >= callsCursor);
    assert.ok(
      (contacts!.stream.stream_state.updated_at as number) >= contactsCursor,
    );
    assert.notDeepEqual(
      ids(records.get("contacts")),
      ids(recordsByStream(first.messages).get("contacts")),
    );
  });

  it("with nothing new, makes at most 2 requests per incremental stream", async () => {
    const state = lastStates(first.messages);
    const before = fake.requests.length;
    const run = await read(fake, streams, {
      state,
      config: { calls_lookback_hours: 0 },
    });
    assertCleanRun(run, ["calls", "contacts"]);
    const made = fake.requests.slice(before);
    assert.ok(made.filter((r) => r.path === "/v1/calls").length <= 2);
    assert.ok(made.filter((r) => r.path === "/v1/contacts").length <= 2);
  });

  it("reads a cursor given as a numeric string or in milliseconds as the same second", async () => {
    const [calls] = lastStates(first.messages);
    const cursor = calls!.stream.stream_state.started_at as number;
    const runs = await Promise.all(
      [cursor, String(cursor), cursor * 1000 + 999].map((value) =>
        read(fake, { calls: "incremental" }, {
          state: [{
            ...calls,
            stream: { ...calls!.stream, stream_state: { started_at: value } },
          }],
        })
      ),
    );
    for (const run of runs) assertCleanRun(run, ["calls"]);
    const [asNumber, asString, asMillis] = runs.map((run) =>
      sorted(ids(recordsByStream(run.messages).get("calls")))
    );
    assert.ok(asNumber.length > 0);
    assert.deepEqual(asString, asNumber);
    assert.deepEqual(asMillis, asNumber);
  });

  it("keeps state between two syncs with the README's line", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const line = readme.split("\n").find((l) =>
      l.startsWith(`grep '^{"type":"STATE"' sync1.jsonl`)
    );
    assert.ok(line, "the README shows how to keep state");
    const dir = tempDir();
    writeFileSync(join(dir, "sync1.jsonl"), first.stdout);
    const keep = spawnSync("sh", ["-c", line], { cwd: dir, encoding: "utf8" });
    assert.equal(keep.status, 0, keep.stderr);
    const second = await read(fake, streams, {
      state: readFileSync(join(dir, "state.json"), "utf8"),
    });
    assertCleanRun(second, ["calls", "contacts"]);
    assert.ok(
      ofType(second.messages, "RECORD").length <
        ofType(first.messages, "RECORD").length / 2,
      "the second sync goes on from the first",
    );
  });

  it("reads nothing from a far-future state and still saves one STATE per stream", async () => {
    const future = 4_102_444_800; // 2100-01-01
    const run = await read(fake, streams, {
      state: [
        {
          type: "STREAM",
          stream: {
            stream_descriptor: { name: "calls" },
            stream_state: { started_at: future },
          },
        },
        {
          type: "STREAM",
          stream: {
            stream_descriptor: { name: "contacts" },
            stream_state: { updated_at: future },
          },
        },
      ],
    });
    assertCleanRun(run, ["calls", "contacts"]);
    assert.equal(ofType(run.messages, "RECORD").length, 0);
    const now = Math.floor(Date.now() / 1000);
    for (const state of lastStates(run.messages)) {
      const cursor = Object.values(state!.stream.stream_state)[0] as number;
      assert.ok(cursor <= now, "never past now");
    }
    assert.ok(
      ofType(run.messages, "LOG").some((m) =>
        /in the future/.test(m.log!.message)
      ),
    );
  });

  for (
    const [label, state] of [
      ["no state file", undefined],
      ["an empty array", []],
      ["null stream states", [
        {
          type: "STREAM",
          stream: { stream_descriptor: { name: "calls" }, stream_state: null },
        },
        {
          type: "STREAM",
          stream: { stream_descriptor: { name: "contacts" }, stream_state: {} },
        },
      ]],
      ["only streams this source does not have", [
        {
          type: "STREAM",
          stream: {
            stream_descriptor: { name: "old_stream" },
            stream_state: { cursor: 1 },
          },
        },
      ]],
    ] as const
  ) {
    it(`starts from start_date given ${label}`, async () => {
      const run = await read(fake, streams, { state });
      assertCleanRun(run, ["calls", "contacts"]);
      const records = recordsByStream(run.messages);
      assert.equal(records.get("calls")!.length, fake.visibleCallIds().length);
      assert.equal(records.get("contacts")!.length, fake.data.contacts.length);
    });
  }

  it("ignores the state in full refresh", async () => {
    const run = await read(fake, { calls: "full_refresh" }, {
      state: lastStates(first.messages),
    });
    assertCleanRun(run, ["calls"]);
    assert.equal(
      ofType(run.messages, "RECORD").length,
      fake.visibleCallIds().length,
    );
  });
});

describe("read: refused input", () => {
  let fake: FakeAircall;
  before(async () => {
    fake = await startFake({ counts: { calls: 60, contacts: 60 } });
  });
  after(() => fake.close());

  function assertRefused(run: CliRun, message: RegExp) {
    assert.equal(run.code, 1, run.stdout);
    assert.deepEqual(protocolErrors(run.messages), []);
    const errors = ofType(run.messages, "TRACE", "ERROR");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].trace!.error!.failure_type, "config_error");
    assert.match(errors[0].trace!.error!.message, message);
    assert.equal(ofType(run.messages, "RECORD").length, 0);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split("\n").length, 1, "one line");
  }

  it("keeps fields the schema does not list", async () => {
    Object.assign(fake.data.tags[0], { added_by_aircall_later: { x: 1 } });
    const run = await read(fake, { tags: "full_refresh" });
    assertCleanRun(run, ["tags"]);
    const tag = recordsByStream(run.messages).get("tags")!
      .find((t) => t.id === fake.data.tags[0].id);
    assert.deepEqual(tag!.added_by_aircall_later, { x: 1 });
    fake.requests.length = 0;
  });

  it("refuses the acceptance tests' invalid catalog", async () => {
    const dir = tempDir();
    const run = await runCli([
      "read",
      "--config",
      writeJson(dir, "config.json", testConfig()),
      "--catalog",
      writeJson(dir, "catalog.json", {
        streams: [{
          stream: {
            name: "__AIRBYTE__stream_that_does_not_exist",
            json_schema: {},
            supported_sync_modes: ["full_refresh"],
          },
          sync_mode: "INVALID",
          destination_sync_mode: "INVALID",
        }],
      }),
    ], { AIRCALL_API_URL: fake.url });
    assertRefused(run, /__AIRBYTE__stream_that_does_not_exist/);
    assert.equal(fake.requests.length, 0, "no request made");
  });

  it("refuses an invalid sync mode on a real stream", async () => {
    const run = await read(fake, { tags: "incremental" });
    assertRefused(run, /sync_mode "incremental" on stream tags/);
  });

  it("refuses a legacy bare-object state", async () => {
    const run = await read(fake, { calls: "incremental" }, {
      state: { calls: { started_at: 1 } },
    });
    assertRefused(run, /legacy per-stream state object/);
  });
});

describe("read: contacts cursor", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());
  const streams = { contacts: "incremental" } as const;

  /** A sync, then another from its last state: the second's contacts and requests. */
  async function twoSyncs() {
    const first = await read(fake, streams);
    assertCleanRun(first, ["contacts"]);
    const [state] = lastStates(first.messages);
    const before = fake.requests.length;
    const second = await read(fake, streams, { state: [state] });
    assertCleanRun(second, ["contacts"]);
    return {
      cursor: state!.stream.stream_state.updated_at as number,
      records: recordsByStream(second.messages).get("contacts") ?? [],
      requests: fake.requests.length - before,
    };
  }

  // A bulk edit: 130 contacts share the newest second (three pages).
  function bulkEdit(second: number) {
    fake.updateContacts(
      fake.data.contacts.slice(0, 130).map((c) => c.id),
      second,
    );
  }

  it("moves past a settled bulk edit: nothing new is one request", async () => {
    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
    fake = await startFake({ now: anHourAgo, counts: { contacts: 400 } });
    bulkEdit(anHourAgo);
    const { cursor, records, requests } = await twoSyncs();
    assert.equal(cursor, anHourAgo + 1);
    assert.deepEqual(records, []);
    assert.equal(requests, 1);
  });

  it("re-reads the newest second while a change may still be stamped with it", async () => {
    fake = await startFake({ counts: { contacts: 400 } });
    const now = Math.floor(Date.now() / 1000);
    bulkEdit(now);
    const { cursor, records } = await twoSyncs();
    assert.equal(cursor, now);
    assert.deepEqual(
      sorted(ids(records)),
      sorted(
        fake.data.contacts.filter((c) => c.updated_at >= now).map((c) => c.id),
      ),
    );
    assert.ok(records.length >= 130);
  });
});
