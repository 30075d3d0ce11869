/**
 * STATE at a rate the platform can hold: at most one per stream per minute
 * while it runs, plus its last; a held checkpoint replaced by a newer one;
 * record counts exact. Measured on a fake clock that advances with each
 * request the fake API answers.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { parseConfig } from "../src/inputs.ts";
import { MessageWriter } from "../src/protocol.ts";
import { read } from "../src/source.ts";
import { STATE_INTERVAL_MS, StatePacer } from "../src/state_pacer.ts";
import { findStream } from "../src/streams/mod.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  checkpointViolations,
  type Message,
  protocolErrors,
  startFake,
  testConfig,
} from "./_helpers.ts";

/**
 * Calls records written before a STATE of calls whose cursor they lie past:
 * a checkpoint sent later than where the reader made it, after records of
 * the next window, which a resume from it would read again.
 */
function callsPastState(messages: Message[]): string[] {
  const past: string[] = [];
  let latest = -Infinity;
  for (const m of messages) {
    if (m.record?.stream === "calls") {
      latest = Math.max(latest, m.record.data.started_at as number);
    }
    if (m.state?.stream.stream_descriptor.name === "calls") {
      const cursor = m.state.stream.stream_state.started_at as number;
      if (latest > cursor) past.push(`a call of ${latest} before ${cursor}`);
    }
  }
  return past;
}

describe("StatePacer", () => {
  it("lets one through per interval from the start, the newest held in between", () => {
    let now = 1_000;
    const pacer = new StatePacer(60_000, () => now);
    assert.equal(pacer.offer({ at: 1 }), undefined, "the stream just began");
    now += 30_000;
    assert.equal(pacer.offer({ at: 2 }), undefined);
    now += 30_000;
    assert.deepEqual(pacer.offer({ at: 3 }), { at: 3 }, "due after a minute");
    now += 59_999;
    assert.equal(pacer.offer({ at: 4 }), undefined);
    now += 1;
    assert.deepEqual(pacer.offer({ at: 5 }), { at: 5 }, "replaces the held");
    assert.deepEqual(pacer.flush(), undefined, "nothing held");
    assert.equal(pacer.offer({ at: 6 }), undefined);
    assert.deepEqual(pacer.flush(), { at: 6 }, "the end takes the held one");
  });

  it("with an interval of 0, lets every checkpoint through", () => {
    const pacer = new StatePacer(0, () => 0);
    assert.deepEqual(pacer.offer({ at: 1 }), { at: 1 });
    assert.deepEqual(pacer.offer({ at: 2 }), { at: 2 });
  });
});

describe("the engine paces every stream's STATE", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  /**
   * Reads `streams` in process; the clock moves `msPerRequest` with each
   * request the fake answers. Each message comes with the clock's reading
   * when it was written.
   */
  async function readPaced(
    streams: string[],
    msPerRequest: number,
    stateIntervalMs?: number,
  ): Promise<{ messages: Message[]; at: number[]; started: number }> {
    let clock = Date.now();
    const started = clock;
    fake.interceptors.push(() => {
      clock += msPerRequest;
      return undefined;
    });
    const messages: Message[] = [];
    const at: number[] = [];
    const writer = new MessageWriter({
      sink: (text) => {
        for (const line of text.split("\n")) {
          if (line === "") continue;
          messages.push(JSON.parse(line));
          at.push(clock);
        }
        return Promise.resolve();
      },
      redact: (text) => text,
      now: () => clock,
      highWaterMark: 0,
    });
    const now = () => clock;
    const config = parseConfig(testConfig(), now());
    const failures = await read(
      config,
      streams.map((name) => ({
        definition: findStream(name)!,
        syncMode: "incremental",
      })),
      new Map(),
      { apiUrl: fake.url, now, writer, stateIntervalMs },
    );
    await writer.flush();
    assert.deepEqual(failures, []);
    return { messages, at, started };
  }

  it("calls over many windows and a per-call stream: at most one STATE a minute of the stream's run, plus its end, counts exact", async () => {
    fake = await startFake({
      now: Math.floor(Date.now() / 1000) - 2 * 3600,
      counts: { calls: 3_000, contacts: 10 },
    });
    const streams = ["calls", "call_summaries"];
    const { messages, at } = await readPaced(streams, 5_000);
    assert.deepEqual(protocolErrors(messages), []);
    assert.deepEqual(checkpointViolations(messages, streams), []);
    for (const stream of streams) {
      const of = (m: Message) =>
        m.state?.stream.stream_descriptor.name === stream ||
        m.record?.stream === stream ||
        m.trace?.stream_status?.stream_descriptor.name === stream;
      const indexes = messages.map((m, i) => of(m) ? i : -1)
        .filter((i) => i >= 0);
      const start = at[indexes[0]];
      const end = at[indexes.at(-1)!];
      const states = indexes.filter((i) => messages[i].type === "STATE");
      const minutes = (end - start) / 60_000;
      assert.ok(minutes > 3, `${stream}: ran ${minutes} minutes`);
      assert.ok(
        states.length <= Math.floor(minutes) + 1,
        `${stream}: ${states.length} STATEs in ${minutes} minutes`,
      );
      // The per-call stream checkpoints after every call: a STATE goes out
      // at its first checkpoint once a minute has passed (here, requests 5 s
      // apart), so never much more than a minute of work is at risk.
      if (stream === "call_summaries") {
        assert.ok(
          states.length >= Math.floor(minutes * 0.9),
          `${states.length} STATEs in ${minutes} minutes`,
        );
      }
      // Each (but the last) at least a minute after the one before.
      let previous = start;
      for (const i of states.slice(0, -1)) {
        assert.ok(at[i] - previous >= STATE_INTERVAL_MS, `${stream}`);
        previous = at[i];
      }
      if (stream === "calls") assert.deepEqual(callsPastState(messages), []);
      // recordCount: the records since the previous STATE, exactly.
      let since = 0;
      for (const i of indexes) {
        const m = messages[i];
        if (m.type === "RECORD") since++;
        if (m.type === "STATE") {
          assert.equal(m.state!.sourceStats!.recordCount, since);
          since = 0;
        }
      }
      assert.equal(since, 0, `${stream}: records after the last STATE`);
    }
  });
  it("a STATE goes out where the reader made it, never after records of the next window", async () => {
    fake = await startFake({ counts: { calls: 25_000, contacts: 10 } });
    // Four windows of 80 to 140 pages, a page a second: a held window's
    // minute runs out in the middle of the next window.
    for (const intervalMs of [90_000, 150_000]) {
      const { messages } = await readPaced(["calls"], 1_000, intervalMs);
      assert.deepEqual(protocolErrors(messages), []);
      const states = messages.filter((m) => m.type === "STATE").length;
      assert.ok(states >= 2, `${states} STATEs at ${intervalMs} ms`);
      assert.deepEqual(callsPastState(messages), [], `at ${intervalMs} ms`);
    }
  });
});
