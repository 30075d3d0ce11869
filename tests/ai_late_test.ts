/**
 * Conversation Intelligence that comes late: objects made hours after their
 * call ended, recordings attached after the call was first listed. Syncs at
 * advancing fake times deliver every one of them, ask a found immutable
 * object once, and keep the state small.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { StateBlob } from "../src/protocol.ts";
import type { ReadEvent } from "../src/readers/mod.ts";
import { MAX_FOUND } from "../src/readers/per_call_state.ts";
import { CONVERSATION_INTELLIGENCE } from "../src/streams/conversation_intelligence.ts";
import type { StreamDefinition } from "../src/streams/mod.ts";
import {
  aiBody,
  aiCreatedAt,
  aiEligible,
  type FakeAiName,
  type FakeAircall,
  type FakeCall,
  recordingAttachedAt,
} from "./fake_aircall/mod.ts";
import { readInProcess, startFake } from "./_helpers.ts";

const HOUR = 3_600;
const SETTLE_HOURS = 24;
const byName = (name: string) =>
  CONVERSATION_INTELLIGENCE.find((stream) => stream.name === name)!;
const resourceOf = (stream: StreamDefinition) =>
  stream.path.split("/").at(-1) as FakeAiName;

/** One stream's sync, in process, at the fake's now. */
function sync(
  fake: FakeAircall,
  stream: StreamDefinition,
  state: StateBlob,
  config: Record<string, unknown> = {},
): Promise<ReadEvent[]> {
  return readInProcess(fake, stream, "incremental", {
    state,
    config: { ai_settle_hours: SETTLE_HOURS, ...config },
  });
}

const lastState = (events: ReadEvent[]) =>
  events.findLast((e) => e.kind === "checkpoint")!.state;

/** The answered per-call requests of a stream's resource, by call id. */
function answered(fake: FakeAircall, resource: FakeAiName, status: number) {
  const counts = new Map<number, number>();
  for (const request of fake.requests) {
    const match = /^\/v1\/calls\/(\d+)\/(\w+)$/.exec(request.path);
    if (match?.[2] !== resource || request.status !== status) continue;
    const id = Number(match[1]);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe("late Conversation Intelligence, over syncs a few hours apart", () => {
  const late = { objects: 0.4, recordings: 0.3, upTo: SETTLE_HOURS * HOUR };
  const streams = ["call_transcriptions", "call_summaries", "call_action_items"]
    .map(byName);
  let fake: FakeAircall;
  let recent: FakeCall[];
  const delivered = new Map<string, Map<number, Record<string, unknown>>>();
  const states = new Map<string, StateBlob[]>();
  let syncs = 0;

  before(async () => {
    const start = 1_790_000_000;
    fake = await startFake({
      now: start,
      counts: { calls: 200, contacts: 10 },
    });
    fake.aiLate = late;
    // Calls of the last six hours: most end during the first syncs.
    recent = [];
    for (let k = 0; k < 12; k++) {
      recent.push(...fake.addCalls(20, start - k * 1_800));
    }
    for (const stream of streams) {
      delivered.set(stream.name, new Map());
      states.set(stream.name, [{}]);
    }
    // A sync every three hours until every call has settled.
    const last = Math.max(...recent.map((c) => c.ended_at)) +
      SETTLE_HOURS * HOUR + 3 * HOUR;
    for (; fake.now <= last; fake.now += 3 * HOUR) {
      syncs++;
      for (const stream of streams) {
        const events = await sync(
          fake,
          stream,
          states.get(stream.name)!.at(-1)!,
        );
        for (const event of events) {
          if (event.kind !== "records") continue;
          for (const record of event.records) {
            delivered.get(stream.name)!.set(record.call_id as number, record);
          }
        }
        states.get(stream.name)!.push(lastState(events));
      }
    }
  });
  after(() => fake.close());

  it("the fake makes late objects and late recordings among these calls", () => {
    const lateObjects = recent.filter((call) => {
      const created = aiCreatedAt(1, call, "summary", late);
      return created !== undefined && created > call.ended_at + HOUR;
    });
    const lateRecordings = recent.filter((call) =>
      recordingAttachedAt(1, call, late) > call.ended_at
    );
    assert.ok(lateObjects.length >= 10, `${lateObjects.length} late`);
    assert.ok(lateRecordings.length >= 5, `${lateRecordings.length} late`);
    assert.ok(syncs >= 8, `${syncs} syncs`);
  });

  for (const name of streams.map((s) => s.name)) {
    it(`${name}: every object is delivered, late ones included`, () => {
      const stream = byName(name);
      const resource = resourceOf(stream);
      const visible = new Set(fake.visibleCallIds());
      const expected = new Set<number>();
      for (const call of fake.data.calls) {
        if (!visible.has(call.id)) continue;
        const body = aiBody(call, resource, {
          seed: 1,
          now: fake.now,
          edits: undefined,
          envelope: "documented",
          late,
        });
        if (body !== undefined) expected.add(call.id);
      }
      const got = delivered.get(name)!;
      const missing = [...expected].filter((id) => !got.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${expected.size}`);
      // Among them, objects of late recordings and late objects.
      const lateOnes = recent.filter((call) =>
        got.has(call.id) &&
        (aiCreatedAt(1, call, resource, late) ?? 0) > call.ended_at + HOUR
      );
      assert.ok(lateOnes.length >= 5, `${lateOnes.length} late delivered`);
    });
  }

  it("asks a found immutable object once, and a 404 only on its back-off steps", () => {
    for (const resource of ["transcription", "summary"] as const) {
      const found = answered(fake, resource, 200);
      assert.ok(found.size > 50);
      for (const [id, count] of found) assert.equal(count, 1, `${id}`);
      // 1, 2, 4, 8, 16 hours after the end, and the settling period.
      for (const [id, count] of answered(fake, resource, 404)) {
        assert.ok(count <= 6, `${id}/${resource}: ${count} 404s`);
      }
    }
  });

  it("ends settled, with nothing pending: the state is the position alone", () => {
    for (const stream of streams) {
      const state = states.get(stream.name)!.at(-1)!;
      assert.deepEqual(Object.keys(state).sort(), [
        "call_id",
        "call_started_at",
      ]);
      for (const saved of states.get(stream.name)!) {
        assert.ok(JSON.stringify(saved).length < 2_000, JSON.stringify(saved));
      }
    }
  });
});

describe("the state of a per-call stream stays bounded", () => {
  it("with thousands of calls pending and found: under 10 bytes a found call, at most MAX_FOUND", async () => {
    const start = 1_790_000_000;
    const fake = await startFake({
      now: start,
      counts: { calls: 50, contacts: 10 },
    });
    try {
      // A call that ends last holds the settled position back; thousands
      // after it end sooner, most with a transcript.
      const [holder] = fake.addCalls(1, start - 6 * HOUR);
      holder.ended_at = start - 60;
      holder.duration = holder.ended_at - holder.started_at;
      fake.invalidate();
      fake.addCalls(3_000, start - 5 * HOUR);
      const events = await sync(fake, byName("call_transcriptions"), {});
      const state = lastState(events);
      const found = (state.found as number[] | undefined)?.length ?? 0;
      assert.ok(found > 500 && found <= MAX_FOUND, `${found} found`);
      assert.ok(
        (state.call_started_at as number) < holder.started_at,
        "the unsettled call holds the position back",
      );
      const size = JSON.stringify(state).length;
      assert.ok(size < 100 + 10 * found, `${size} bytes`);
    } finally {
      await fake.close();
    }
  });
});

describe("a mutable stream's lookback under a budget, over hourly syncs", () => {
  it("lists a slice of the lookback each sync, and every call of it comes round again", async () => {
    const start = 1_790_000_000;
    const fake = await startFake({
      now: start,
      counts: { calls: 3_000, contacts: 10 },
    });
    try {
      const stream = byName("call_action_items");
      const first = await sync(fake, stream, {});
      const state = lastState(first);
      const settled = state.call_started_at as number;
      // No new calls: the whole budget goes to the lookback's calls, a slice
      // of them at a time.
      const lookback = fake.data.calls.filter((call) =>
        aiEligible(call, "action_items") &&
        call.started_at >= settled - 7 * 86_400 && call.started_at <= settled
      ).map((call) => call.id);
      assert.ok(lookback.length > 40, `${lookback.length} in the lookback`);
      const budget = 10;
      const asked = new Set<number>();
      // Two days of hourly syncs: about ten times the lookback's calls asked.
      for (let hour = 1; hour <= 48; hour++) {
        fake.now = start + hour * HOUR;
        const before = fake.requests.length;
        await sync(fake, stream, state, { ai_max_requests_per_sync: budget });
        const requests = fake.requests.slice(before);
        const lists = requests.filter((r) => r.path === "/v1/calls").length;
        const asks = requests.flatMap((r) => {
          const match = /^\/v1\/calls\/(\d+)\/action_items$/.exec(r.path);
          return match ? [Number(match[1])] : [];
        });
        assert.equal(asks.length, budget);
        // Not the lookback's pages (a whole week): about what the budget needs.
        assert.ok(lists <= 6, `${lists} list requests at hour ${hour}`);
        for (const id of asks) asked.add(id);
      }
      assert.deepEqual(lookback.filter((id) => !asked.has(id)), []);
    } finally {
      fake.close();
    }
  });
});
