/**
 * Conversation Intelligence: the nine per-call streams against the fake.
 * Each delivers exactly the eligible calls' objects, asks for nothing a call
 * cannot have, asks an immutable object once (across syncs and a kill), a
 * mutable one again within the lookback, stops at its budget to the request,
 * and turns a 403 into one clear error for that stream alone.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { formatDuration } from "../src/progress.ts";
import { CONVERSATION_INTELLIGENCE } from "../src/streams/conversation_intelligence.ts";
import type { StreamDefinition } from "../src/streams/mod.ts";
import {
  AI_RESOURCES,
  aiBody,
  aiEligible,
  type FakeAiName,
  type FakeAircall,
  type FakeCall,
  type FakeRequest,
} from "./fake_aircall/mod.ts";
import {
  assertCleanRead,
  checkpointViolations,
  type CliRun,
  EVERY_STATE,
  lastStates,
  type Message,
  ofType,
  protocolErrors,
  readArgs,
  readFake,
  recordsByStream,
  spawnCli,
  startFake,
  type Streams,
  strictSchemaErrors,
} from "./_helpers.ts";

/** The fake's resource behind a stream (the last path segment). */
const resourceOf = (stream: StreamDefinition) =>
  stream.path.split("/").at(-1) as FakeAiName;

const NAMES = CONVERSATION_INTELLIGENCE.map((stream) => stream.name);
const byName = (name: string) =>
  CONVERSATION_INTELLIGENCE.find((stream) => stream.name === name)!;
const IMMUTABLE = CONVERSATION_INTELLIGENCE.filter((s) =>
  !AI_RESOURCES[resourceOf(s)].mutable
);
const MUTABLE = CONVERSATION_INTELLIGENCE.filter((s) =>
  AI_RESOURCES[resourceOf(s)].mutable
);

const allIncremental = (streams: readonly StreamDefinition[]): Streams =>
  Object.fromEntries(streams.map((s) => [s.name, "incremental"]));

/** The per-call requests of a request log: call id and resource. */
function aiRequests(
  requests: FakeRequest[],
): { callId: number; resource: FakeAiName; status: number }[] {
  return requests.flatMap((request) => {
    const match = /^\/v1\/calls\/(\d+)\/(\w+)$/.exec(request.path);
    return match
      ? [{
        callId: Number(match[1]),
        resource: match[2] as FakeAiName,
        status: request.status,
      }]
      : [];
  });
}

/**
 * What a sync should emit for `stream`: each call that can have the object
 * and has it, unwrapped, with `call_id` and `call_started_at`.
 */
function expectedRecords(
  fake: FakeAircall,
  stream: StreamDefinition,
  calls: FakeCall[],
): Map<number, Record<string, unknown>> {
  const resource = resourceOf(stream);
  const { envelope } = stream.paging as { envelope: readonly string[] };
  const expected = new Map<number, Record<string, unknown>>();
  for (const call of calls) {
    if (!aiEligible(call, resource)) continue;
    const body = aiBody(call, resource, {
      seed: 1,
      now: fake.now,
      edits: fake.aiEdits(call.id, resource),
      envelope: "documented",
    }) as Record<string, unknown> | undefined;
    if (body === undefined) continue;
    const object = (envelope.length ? body[envelope[0]] : body) as Record<
      string,
      unknown
    >;
    expected.set(call.id, {
      ...object,
      call_id: call.id,
      call_started_at: call.started_at,
    });
  }
  return expected;
}

const byCallId = (run: CliRun, stream: string) =>
  new Map(
    (recordsByStream(run.messages).get(stream) ?? [])
      .map((record) => [record.call_id as number, record]),
  );

const logs = (run: CliRun, stream: string) =>
  ofType(run.messages, "LOG").map((m: Message) => m.log!.message)
    .filter((message) => message.startsWith(`${stream}:`));

/**
 * A fake whose calls all ended over an hour before now: every call it lists
 * is one a sync may ask about, so what is eligible does not depend on when
 * the sync runs.
 */
function settledFake(calls: number): Promise<FakeAircall> {
  return startFake({
    now: Math.floor(Date.now() / 1000) - 2 * 3600,
    counts: { calls, contacts: 10 },
  });
}

/** The fake's calls the connector lists: every visible one. */
const visibleCalls = (fake: FakeAircall) => {
  const ids = new Set(fake.visibleCallIds());
  return fake.data.calls.filter((call) => ids.has(call.id));
};

describe("per-call streams, a first sync of all nine", () => {
  let fake: FakeAircall;
  let run: CliRun;
  before(async () => {
    fake = await settledFake(800);
    run = await readFake(fake, allIncremental(CONVERSATION_INTELLIGENCE));
  });
  after(() => fake.close());

  it("ends clean, every stream checkpointed and complete", () => {
    assertCleanRead(run, NAMES);
  });

  for (const stream of CONVERSATION_INTELLIGENCE) {
    it(`${stream.name}: exactly the eligible calls' objects, content included`, () => {
      const expected = expectedRecords(fake, stream, visibleCalls(fake));
      assert.ok(expected.size > 10, `${expected.size} expected`);
      assert.deepEqual(byCallId(run, stream.name), expected);
    });
  }

  it("asks for no call that cannot have the object, and each eligible call once", () => {
    const calls = new Map(fake.data.calls.map((call) => [call.id, call]));
    const asked = aiRequests(fake.requests);
    for (const { callId, resource } of asked) {
      assert.ok(
        aiEligible(calls.get(callId)!, resource),
        `${callId}/${resource}`,
      );
    }
    const keys = asked.map(({ callId, resource }) => `${callId}/${resource}`);
    assert.equal(new Set(keys).size, keys.length, "none asked twice");
    for (const stream of CONVERSATION_INTELLIGENCE) {
      const eligible = visibleCalls(fake)
        .filter((call) => aiEligible(call, resourceOf(stream))).length;
      assert.equal(
        asked.filter((r) => r.resource === resourceOf(stream)).length,
        eligible,
        stream.name,
      );
    }
  });

  it("costs the eligible calls plus one calls list page per 50 calls, for the nine streams together", () => {
    const listPages = Math.ceil(visibleCalls(fake).length / 50);
    const lists = fake.requests.filter((r) => r.path === "/v1/calls").length;
    assert.equal(lists, listPages);
  });

  it("says the cost before spending it, and what it found after", () => {
    for (const stream of CONVERSATION_INTELLIGENCE) {
      const eligible = visibleCalls(fake)
        .filter((call) => aiEligible(call, resourceOf(stream))).length;
      const [cost, ...rest] = logs(run, stream.name);
      // Then how many calls wait to settle, if any.
      assert.ok(
        cost.startsWith(
          `${stream.name}: ${eligible} of the ${
            visibleCalls(fake).length
          } calls listed can have one: ${eligible} requests, under a minute at 100000 requests per minute.`,
        ),
        cost,
      );
      const found = expectedRecords(fake, stream, visibleCalls(fake)).size;
      const outcome = rest.at(-1)!;
      assert.ok(
        outcome.startsWith(
          `${stream.name}: ${found} calls had one, ${
            eligible - found
          } answered 404 (none)`,
        ),
        outcome,
      );
      const estimate = ofType(run.messages, "TRACE", "ESTIMATE")
        .find((m) => m.trace!.estimate!.name === stream.name);
      assert.equal(estimate?.trace?.estimate?.row_estimate, eligible);
    }
    // The cost comes before the stream's records, but for the first call's
    // (asked as soon as it is listed, to check the add-on).
    for (const name of NAMES) {
      const mine = run.messages.filter((m) =>
        m.log?.message.startsWith(`${name}:`) ||
        m.trace?.stream_status?.stream_descriptor.name === name ||
        m.record?.stream === name
      );
      assert.equal(mine[0].trace?.stream_status?.status, "STARTED");
      const cost = mine.findIndex((m) =>
        /can have one/.test(m.log?.message ?? "")
      );
      const records = mine.slice(0, cost).filter((m) => m.record).length;
      assert.ok(cost > 0 && records <= 1, `${records} records before the cost`);
    }
  });

  it("emits records that pass their discovered schema strictly", () => {
    const streams = CONVERSATION_INTELLIGENCE.map((stream) => ({
      name: stream.name,
      json_schema: stream.schema,
    }));
    assert.deepEqual(strictSchemaErrors(run.messages, streams), []);
  });

  it("passes playbook topic results of every JSON type, and evaluations of two shapes, through unchanged", () => {
    const kind = (value: unknown) =>
      value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    const records = [...byCallId(run, "call_playbook_results").values()];
    const results = records.flatMap((record) =>
      (record.playbook_result_topics as { result: unknown }[])
        .map((topic) => topic.result)
    );
    assert.deepEqual(
      [...new Set(results.map(kind))].sort(),
      ["array", "boolean", "null", "number", "object", "string"],
    );
    const evaluations = [...byCallId(run, "call_evaluations").values()]
      .flatMap((record) => record.evaluations as Record<string, unknown>[]);
    assert.deepEqual(
      [...new Set(evaluations.map((e) => kind(e.score)))].sort(),
      ["number", "string"],
    );
    for (const name of ["call_playbook_results", "call_evaluations"]) {
      const expected = expectedRecords(fake, byName(name), visibleCalls(fake));
      assert.deepEqual(byCallId(run, name), expected, "unchanged");
      const streams = [{ name, json_schema: byName(name).schema }];
      const mine = run.messages.filter((m) => m.record?.stream === name);
      assert.deepEqual(strictSchemaErrors(mine, streams), []);
    }
  });

  it("a second sync with no new calls asks nothing of immutable streams, and the lookback's calls of mutable ones", async () => {
    // An agent edits action items of a recent call and of one outside the
    // lookback: only the recent one is asked again.
    const calls = visibleCalls(fake);
    const withItems = [...expectedRecords(fake, MUTABLE[0], calls).keys()];
    const cursor = Math.max(...calls.map((c) => c.started_at));
    const week = 7 * 86_400;
    const started = new Map(calls.map((c) => [c.id, c.started_at]));
    const recent = withItems.find((id) => started.get(id)! > cursor - week)!;
    const old = withItems.find((id) =>
      started.get(id)! < cursor - week - 86_400
    )!;
    fake.editAi(recent, "action_items");
    fake.editAi(old, "action_items");
    const before = fake.requests.length;
    const second = await readFake(
      fake,
      allIncremental(CONVERSATION_INTELLIGENCE),
      {
        state: lastStates(run.messages),
      },
    );
    assertCleanRead(second, NAMES);
    const asked = aiRequests(fake.requests.slice(before));
    for (const stream of IMMUTABLE) {
      assert.equal(
        asked.filter((r) => r.resource === resourceOf(stream)).length,
        0,
        stream.name,
      );
    }
    for (const stream of MUTABLE) {
      const resource = resourceOf(stream);
      const state = lastStates(run.messages).find((s) =>
        s!.stream.stream_descriptor.name === stream.name
      )!.stream.stream_state;
      const saved = state.call_started_at as number;
      // Asked again: the calls settled, and the later ones delivered; the
      // rest wait for their next back-off step.
      const settled = (call: FakeCall) =>
        call.started_at < saved ||
        (call.started_at === saved && call.id <= (state.call_id as number));
      const delivered = byCallId(run, stream.name);
      const inLookback = calls.filter((call) =>
        aiEligible(call, resource) && call.started_at >= saved - week &&
        (settled(call) || delivered.has(call.id))
      ).map((call) =>
        call.id
      ).sort();
      assert.deepEqual(
        asked.filter((r) => r.resource === resource).map((r) => r.callId)
          .sort(),
        inLookback,
        stream.name,
      );
    }
    const items = byCallId(second, "call_action_items");
    assert.ok(items.has(recent) && !items.has(old));
    assert.match(JSON.stringify(items.get(recent)), /\(edit 1\)/);
  });
});

describe("per-call streams, one at a time", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  it("a 403 on one resource: one list page and one request, one config_error, that stream alone INCOMPLETE, exit 1", async () => {
    fake = await settledFake(3_000);
    fake.aiForbidden.add("evaluations");
    const run = await readFake(fake, {
      call_evaluations: "incremental",
      call_summaries: "incremental",
    });
    assert.equal(run.code, 1);
    assert.deepEqual(protocolErrors(run.messages), []);
    const asked = aiRequests(fake.requests);
    assert.equal(asked.filter((r) => r.resource === "evaluations").length, 1);
    // Asked as soon as the first page of the list named a call to ask (the
    // pages read ahead of it may be asked too), not after the 60 pages of
    // the whole list.
    const forbidden = fake.requests.findIndex((r) =>
      r.path.endsWith("/evaluations")
    );
    const listedBefore = fake.requests.slice(0, forbidden)
      .filter((r) => r.path === "/v1/calls").length;
    assert.ok(listedBefore <= 3, `${listedBefore} list requests`);
    const errors = ofType(run.messages, "TRACE", "ERROR");
    assert.equal(errors.length, 1);
    const error = errors[0].trace!.error!;
    assert.equal(error.failure_type, "config_error");
    assert.equal(error.stream_descriptor?.name, "call_evaluations");
    assert.match(
      error.message,
      /AI Assist Pro add-on.*deselect call_evaluations\. Aircall said: This feature requires an add-on your company does not have\.$/,
    );
    const statuses = Object.fromEntries(
      ofType(run.messages, "TRACE", "STREAM_STATUS")
        .map((m) => m.trace!.stream_status!)
        .map((s) => [s.stream_descriptor.name, s.status]),
    );
    assert.deepEqual(statuses, {
      call_evaluations: "INCOMPLETE",
      call_summaries: "COMPLETE",
    });
    assert.deepEqual(
      checkpointViolations(run.messages, ["call_summaries"]),
      [],
    );
  });

  it("with the calls stream, lists the calls once a run for all ten streams, first sync and next", async () => {
    fake = await settledFake(800);
    const streams = {
      calls: "incremental",
      ...allIncremental(CONVERSATION_INTELLIGENCE),
    } as Streams;
    const lists = (from: number) =>
      fake.requests.slice(from).filter((r) => r.path === "/v1/calls").length;
    const first = await readFake(fake, streams);
    assertCleanRead(first, ["calls", ...NAMES]);
    assert.equal(lists(0), Math.ceil(visibleCalls(fake).length / 50));
    const before = fake.requests.length;
    const second = await readFake(fake, streams, {
      state: lastStates(first.messages),
    });
    assertCleanRead(second, ["calls", ...NAMES]);
    // The calls stream lists its lookback; the per-call streams only the
    // older seconds the earliest of them needs, once.
    const earliest = Math.min(
      ...lastStates(first.messages).map((s) => {
        const state = s!.stream.stream_state;
        const name = s!.stream.stream_descriptor.name;
        const lookback = MUTABLE.some((m) => m.name === name) ? 7 * 86_400 : 0;
        return name === "calls"
          ? (state.started_at as number) - 24 * 3600
          : (state.call_started_at as number) - lookback;
      }),
    );
    const needed = visibleCalls(fake).filter((c) => c.started_at >= earliest);
    assert.ok(
      lists(before) <= Math.ceil(needed.length / 50) + 1,
      `${lists(before)} list requests for ${needed.length} calls`,
    );
  });

  it("honours the budget to the request; two syncs with it deliver what one without it does", async () => {
    fake = await settledFake(500);
    const stream = { call_transcriptions: "incremental" } as const;
    const eligible = visibleCalls(fake)
      .filter((call) => aiEligible(call, "transcription")).length;
    const budget = Math.ceil(eligible / 2) + 3;
    const config = { ai_max_requests_per_sync: budget };
    const first = await readFake(fake, stream, { config });
    assertCleanRead(first, ["call_transcriptions"]);
    assert.equal(aiRequests(fake.requests).length, budget);
    assert.ok(
      logs(first, "call_transcriptions").some((m) =>
        /ai_max_requests_per_sync are spent; .* remain, for the next syncs\./
          .test(m)
      ),
    );
    const before = fake.requests.length;
    const second = await readFake(fake, stream, {
      config,
      state: lastStates(first.messages),
    });
    assertCleanRead(second, ["call_transcriptions"]);
    assert.equal(
      aiRequests(fake.requests.slice(before)).length,
      eligible - budget,
    );
    const together = new Map([
      ...byCallId(first, "call_transcriptions"),
      ...byCallId(second, "call_transcriptions"),
    ]);
    const once = await readFake(fake, stream);
    assert.deepEqual(together, byCallId(once, "call_transcriptions"));
    assert.equal(
      together.size,
      expectedRecords(fake, byName("call_transcriptions"), visibleCalls(fake))
        .size,
    );
  });

  it("with a budget, lists the calls only about as far as it can ask", async () => {
    fake = await settledFake(4_000);
    const budget = 40;
    const run = await readFake(fake, { call_summaries: "incremental" }, {
      config: { ai_max_requests_per_sync: budget },
    });
    assertCleanRead(run, ["call_summaries"]);
    assert.equal(aiRequests(fake.requests).length, budget);
    const lists = fake.requests.filter((r) => r.path === "/v1/calls").length;
    const allPages = Math.ceil(visibleCalls(fake).length / 50);
    // About twice the budget listed (and the probes that sized the
    // windows), not the whole six months.
    assert.ok(lists <= 12, `${lists} list requests of ${allPages} pages`);
    assert.match(
      logs(run, "call_summaries")[0],
      /calls listed so far can have one: 40 requests, .* The [\d,]+ calls after them are listed by the next syncs\./,
    );
  });

  it("under a budget, the lookback's calls get half of it, and the log says so", async () => {
    fake = await settledFake(600);
    const stream = { call_action_items: "incremental" } as const;
    const first = await readFake(fake, stream);
    assertCleanRead(first, ["call_action_items"]);
    const [saved] = lastStates(first.messages);
    const settled = saved!.stream.stream_state.call_started_at as number;
    // New calls, after every call listed, ended over an hour before the
    // sync: more than the budget.
    fake.addCalls(200, fake.now);
    const before = fake.requests.length;
    const budget = 16;
    const second = await readFake(fake, stream, {
      config: { ai_max_requests_per_sync: budget },
      state: [saved],
    });
    assertCleanRead(second, ["call_action_items"]);
    const started = new Map(fake.data.calls.map((c) => [c.id, c.started_at]));
    const asked = aiRequests(fake.requests.slice(before));
    // Again: the calls settled, and those after them already delivered.
    const found = new Set(saved!.stream.stream_state.found as number[]);
    const again = asked.filter((r) =>
      started.get(r.callId)! <= settled || found.has(r.callId)
    );
    assert.equal(asked.length, budget);
    assert.equal(again.length, budget / 2);
    assert.match(
      logs(second, "call_action_items")[0],
      new RegExp(
        `ai_max_requests_per_sync stops this sync at ${budget}, ${
          budget / 2
        } of them within ai_lookback_days\\.`,
      ),
    );
  });

  it("keeps a hand-written state with no call_id, and saves one it can read back", async () => {
    fake = await settledFake(200);
    const stream = { call_topics: "incremental" } as const;
    const latest = Math.max(...visibleCalls(fake).map((c) => c.started_at));
    const handWritten = [{
      type: "STREAM",
      stream: {
        stream_descriptor: { name: "call_topics" },
        stream_state: { call_started_at: latest + 1 },
      },
    }];
    const first = await readFake(fake, stream, { state: handWritten });
    assertCleanRead(first, ["call_topics"]);
    const [saved] = lastStates(first.messages);
    assert.deepEqual(saved!.stream.stream_state, {
      call_started_at: latest + 1,
      call_id: null,
    });
    const second = await readFake(fake, stream, { state: [saved] });
    assertCleanRead(second, ["call_topics"]);
  });

  it("a SIGKILL in the middle of a fan-out, then a resume: nothing missing, nothing immutable asked twice", async () => {
    fake = await settledFake(100);
    const stream = { call_summaries: "incremental" } as const;
    // Under two requests a second: one call asked at a time, each STATE out
    // before the next request (every checkpoint written: this pins the
    // checkpoint of each call asked, which a run of seconds would hold back).
    const config = { max_requests_per_minute: 119 };
    const proc = spawnCli(readArgs(stream, { config }), {
      AIRCALL_API_URL: fake.url,
      ...EVERY_STATE,
    });
    fake.faults.kill = {
      afterRequests: 20,
      action: () => proc.child.kill("SIGKILL"),
    };
    const cut = await proc.result;
    assert.equal(cut.signal, "SIGKILL");
    delete fake.faults.kill;
    const resumed = await readFake(fake, stream, {
      config,
      state: lastStates(cut.messages),
    });
    assertCleanRead(resumed, ["call_summaries"]);
    const answered = aiRequests(fake.requests).filter((r) => r.status !== 0);
    const keys = answered.map((r) => `${r.callId}:${r.status}`);
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    // No object asked twice; a 404 at most: the first call asked, as soon
    // as it was listed, when the kill came before its turn to be saved.
    assert.ok(
      twice.length <= 1 && twice.every((k) => k.endsWith(":404")),
      `${twice} answered twice`,
    );
    const got = new Map([
      ...byCallId(cut, "call_summaries"),
      ...byCallId(resumed, "call_summaries"),
    ]);
    assert.ok(byCallId(cut, "call_summaries").size > 3, "killed mid fan-out");
    assert.deepEqual(
      got,
      expectedRecords(
        fake,
        byName("call_summaries"),
        visibleCalls(fake),
      ),
    );
  });

  for (const envelope of ["twin", "bare"] as const) {
    it(`unwraps objects sent ${envelope === "bare" ? "bare" : "under the other key"}`, async () => {
      fake = await settledFake(200);
      fake.aiEnvelope = envelope;
      const run = await readFake(
        fake,
        allIncremental(CONVERSATION_INTELLIGENCE),
      );
      assertCleanRead(run, NAMES);
      for (const stream of CONVERSATION_INTELLIGENCE) {
        assert.deepEqual(
          byCallId(run, stream.name),
          expectedRecords(fake, stream, visibleCalls(fake)),
          stream.name,
        );
      }
    });
  }

  it("keeps its calls in flight when the pace allows, whatever the calls between them that cannot have one", async () => {
    fake = await settledFake(200);
    let inFlight = 0;
    const seen: number[] = [];
    fake.interceptors.push(async (request) => {
      if (!/^\/v1\/calls\/\d+\//.test(request.path)) return undefined;
      seen.push(++inFlight);
      await new Promise((wait) => setTimeout(wait, 20));
      inFlight--;
      return undefined;
    });
    const run = await readFake(fake, { call_topics: "incremental" });
    assertCleanRead(run, ["call_topics"]);
    // Most calls cannot have one; those asked still fill the places in
    // flight (a request arrives with several others under way), rather
    // than sharing them with calls that need no request.
    const mean = seen.reduce((sum, n) => sum + n, 0) / seen.length;
    assert.ok(seen.length > 20, `${seen.length} asked`);
    assert.ok(Math.max(...seen) >= 6, `${Math.max(...seen)} in flight at most`);
    assert.ok(mean >= 6, `${mean.toFixed(1)} in flight on average`);
  });

  it("asks nothing of a call that may not have ended an hour before the sync", async () => {
    fake = await startFake({ counts: { calls: 300, contacts: 10 } });
    const began = Math.floor(Date.now() / 1000);
    const run = await readFake(fake, { call_transcriptions: "incremental" });
    assertCleanRead(run, ["call_transcriptions"]);
    const calls = new Map(fake.data.calls.map((call) => [call.id, call]));
    const asked = aiRequests(fake.requests);
    assert.ok(asked.length > 10);
    for (const { callId } of asked) {
      assert.ok(calls.get(callId)!.ended_at <= began + 60 - 3600, `${callId}`);
    }
    assert.match(
      logs(run, "call_transcriptions")[0],
      /calls? that may still get one \(not ended an hour ago, or within ai_settle_hours of their end\) wait for later syncs\./,
    );
    // The settled position stops before them: later syncs look at them again.
    const [state] = lastStates(run.messages);
    const cursor = state!.stream.stream_state.call_started_at as number;
    assert.ok(cursor <= began - 3600);
  });

  it("in full refresh, reads every eligible call of the six months and saves no position", async () => {
    fake = await settledFake(300);
    const run = await readFake(fake, { call_sentiments: "full_refresh" });
    assertCleanRead(run, ["call_sentiments"]);
    assert.deepEqual(
      byCallId(run, "call_sentiments"),
      expectedRecords(
        fake,
        byName("call_sentiments"),
        visibleCalls(fake),
      ),
    );
    assert.deepEqual(lastStates(run.messages)[0]!.stream.stream_state, {});
  });
});

describe("per-call streams under a budget, over six months of calls", () => {
  // 20,000 calls over six months, the oldest weeks sparse, about 43%
  // answered with a recording: a sync lists about as many calls as it asks.
  let fake: FakeAircall;
  before(async () => {
    fake = await settledFake(20_000);
  });
  after(() => fake.close());

  for (const budget of [100, 200, 1_000]) {
    it(`with a budget of ${budget}, list requests stay within 10% of the stream's requests, first sync and next`, async () => {
      // An immutable stream, and a mutable one whose lookback is asked again
      // (of recorded calls only, the fewest to ask per call listed).
      for (const name of ["call_summaries", "call_evaluations"]) {
        let state: unknown;
        for (const sync of ["first", "second"]) {
          const before = fake.requests.length;
          const run = await readFake(fake, { [name]: "incremental" }, {
            config: { ai_max_requests_per_sync: budget },
            state,
          });
          assertCleanRead(run, [name]);
          const requests = fake.requests.slice(before);
          const lists = requests.filter((r) => r.path === "/v1/calls").length;
          const asks = aiRequests(requests).length;
          assert.equal(asks, budget, `${name}, ${sync} sync`);
          assert.ok(
            lists <= (lists + asks) / 10,
            `${name}, ${sync} sync: ${lists} list requests, ${asks} asks`,
          );
          state = lastStates(run.messages);
        }
      }
    });
  }
});

describe("formatDuration", () => {
  it("says how long, for people", () => {
    assert.equal(formatDuration(20), "under a minute");
    assert.equal(formatDuration(17 * 60), "about 17 min");
    assert.equal(formatDuration(7_500), "about 2 h 5 min");
    assert.equal(formatDuration(3 * 3600), "about 3 h");
  });
});
