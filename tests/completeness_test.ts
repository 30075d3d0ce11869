/**
 * Completeness past the API's 10,000-result cap: 50,000 calls and 25,000
 * contacts, every id exactly once, no request past the cap, and an
 * incremental contacts sync that falls back to windows when more than
 * 10,000 contacts changed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FakeAircall, FakeRequest } from "./fake_aircall/mod.ts";
import {
  callsRequestsNotExpanded,
  checkpointViolations,
  type CliRun,
  EVERY_STATE,
  lastStates,
  ofType,
  protocolErrors,
  readFake,
  recordsByStream,
  startFake,
  type Streams,
} from "./_helpers.ts";

// Every checkpoint written: these reads take seconds, and the tests below
// check the checkpoint of each window and resume from one in the middle.
const read = (fake: FakeAircall, streams: Streams, state?: unknown) =>
  readFake(fake, streams, { state, env: EVERY_STATE });

function assertExactlyOnce(
  got: Record<string, unknown>[] | undefined,
  expected: number[],
  stream: string,
): void {
  const ids = (got ?? []).map((record) => record.id as number);
  assert.equal(new Set(ids).size, ids.length, `${stream}: no duplicates`);
  assert.equal(ids.length, expected.length, `${stream}: count`);
  const want = new Set(expected);
  assert.ok(ids.every((id) => want.has(id)), `${stream}: same ids`);
}

function assertWithinCap(fake: FakeAircall): void {
  for (const request of fake.requests) {
    assert.ok(
      Number(request.query.page ?? 1) * Number(request.query.per_page ?? 20) <=
        10_000,
      `${request.path}?${new URLSearchParams(request.query)}`,
    );
    assert.equal(request.status, 200);
  }
}

describe("completeness past the 10,000 cap", () => {
  let fake: FakeAircall;
  let run: CliRun;
  let runRequests: FakeRequest[];
  before(async () => {
    fake = await startFake({ counts: { calls: 50_000, contacts: 25_000 } });
    run = await read(fake, { calls: "incremental", contacts: "incremental" });
    runRequests = [...fake.requests];
  });
  after(() => fake.close());

  it("a full refresh returns every one of 50,000 calls and 25,000 contacts exactly once", async () => {
    fake.requests.length = 0;
    const full = await read(fake, {
      calls: "full_refresh",
      contacts: "full_refresh",
    });
    assert.equal(full.code, 0, full.stderr);
    assert.deepEqual(protocolErrors(full.messages), []);
    assert.deepEqual(
      checkpointViolations(full.messages, ["calls", "contacts"]),
      [],
    );
    const records = recordsByStream(full.messages);
    assertExactlyOnce(records.get("calls"), fake.visibleCallIds(), "calls");
    assertExactlyOnce(
      records.get("contacts"),
      fake.data.contacts.map((c) => c.id),
      "contacts",
    );
    assertWithinCap(fake);
    // Split windows ask for the expansions like any other.
    assert.deepEqual(callsRequestsNotExpanded(fake.requests), []);
  });

  it("a first incremental sync reads 50,000 calls and 25,000 contacts, each exactly once", () => {
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(protocolErrors(run.messages), []);
    assert.deepEqual(
      checkpointViolations(run.messages, ["calls", "contacts"]),
      [],
    );
    const records = recordsByStream(run.messages);
    assertExactlyOnce(records.get("calls"), fake.visibleCallIds(), "calls");
    assertExactlyOnce(
      records.get("contacts"),
      fake.data.contacts.map((c) => c.id),
      "contacts",
    );
    assert.deepEqual(callsRequestsNotExpanded(runRequests), []);
  });

  it("never asks past the cap, with few wasted requests", () => {
    assertWithinCap(fake);
    const pages = (path: string, records: number) => {
      const made = fake.requests.filter((r) => r.path === path).length;
      const minimum = Math.ceil(records / 50);
      return { made, minimum };
    };
    const calls = pages("/v1/calls", fake.visibleCallIds().length);
    const contacts = pages("/v1/contacts", fake.data.contacts.length);
    // One probe per window that had to be split, one short page per window.
    assert.ok(calls.made <= calls.minimum * 1.05, JSON.stringify(calls));
    assert.ok(
      contacts.made <= contacts.minimum * 1.05,
      JSON.stringify(contacts),
    );
  });

  it("checkpoints calls after each of several windows", () => {
    const states = ofType(run.messages, "STATE")
      .filter((m) => m.state!.stream.stream_descriptor.name === "calls");
    assert.ok(states.length >= 5, `${states.length} windows`);
  });

  it("resumes from a mid-stream checkpoint with every record that remained", async () => {
    // The acceptance tests' rule: records after a checkpoint come again on resume.
    const contactStates = ofType(run.messages, "STATE")
      .filter((m) => m.state!.stream.stream_descriptor.name === "contacts");
    assert.ok(contactStates.length >= 3);
    const middle = contactStates[Math.floor(contactStates.length / 2)];
    const index = run.messages.indexOf(middle);
    const remaining = run.messages.slice(index)
      .filter((m) => m.record?.stream === "contacts")
      .map((m) => m.record!.data.id);
    fake.requests.length = 0;
    const resumed = await read(fake, { contacts: "incremental" }, [
      middle.state,
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const got = new Set(
      recordsByStream(resumed.messages).get("contacts")!.map((r) => r.id),
    );
    assert.ok(remaining.length > 0);
    for (const id of remaining) assert.ok(got.has(id), `contact ${id}`);
    assert.ok(got.size < 25_000, "only what remained");
  });

  it("falls back to windows when more than 10,000 contacts changed", async () => {
    const state = lastStates(run.messages)
      .filter((s) => s!.stream.stream_descriptor.name === "contacts");
    const changed = fake.data.contacts.slice(0, 12_000).map((c) => c.id);
    // Spread over 12 seconds after the saved cursor, as real edits would be.
    const cursor = state[0]!.stream.stream_state.updated_at as number;
    for (let i = 0; i < changed.length; i += 1_000) {
      fake.updateContacts(changed.slice(i, i + 1_000), cursor + 1 + i / 1_000);
    }
    fake.requests.length = 0;
    const second = await read(fake, { contacts: "incremental" }, state);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(protocolErrors(second.messages), []);
    assert.deepEqual(checkpointViolations(second.messages, ["contacts"]), []);
    assertWithinCap(fake);
    const emitted = recordsByStream(second.messages).get("contacts")!
      .map((r) => r.id as number);
    // The walk's 10,000 and the windowed read's rest: every contact once.
    assert.equal(new Set(emitted).size, emitted.length, "no duplicates");
    const ids = new Set(emitted);
    for (const id of changed) assert.ok(ids.has(id), `contact ${id}`);
    assert.ok(
      ofType(second.messages, "LOG").some((m) =>
        /More than 10000 contacts changed/.test(m.log!.message)
      ),
    );
  });
});
