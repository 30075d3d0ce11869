import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { StateBlob } from "../src/protocol.ts";
import { type ReadEvent, SETTLE_SECONDS } from "../src/readers/mod.ts";
import { calls } from "../src/streams/calls.ts";
import { contacts } from "../src/streams/contacts.ts";
import type { StreamDefinition, SyncMode } from "../src/streams/mod.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  callsRequestsNotExpanded,
  readInProcess,
  startFake,
} from "./_helpers.ts";

/** A stream's read events, in process, at a fixed "now". */
function readEvents(
  fake: FakeAircall,
  definition: StreamDefinition,
  mode: SyncMode,
  now: number,
  state: StateBlob,
): Promise<ReadEvent[]> {
  return readInProcess(fake, definition, mode, { now, state });
}

/** The contacts incremental read's events. */
const readContacts = (fake: FakeAircall, now: number, state: StateBlob) =>
  readEvents(fake, contacts, "incremental", now, state);

const lastState = (events: ReadEvent[]) =>
  events.findLast((e) => e.kind === "checkpoint")!.state;
const recordCount = (events: ReadEvent[]) =>
  events.reduce((n, e) => n + (e.kind === "records" ? e.records.length : 0), 0);

describe("contacts cursor", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  /** A fake whose newest change is a bulk edit of 130 contacts at `newest`. */
  async function bulkEditedAt(newest: number): Promise<FakeAircall> {
    fake = await startFake({ now: newest, counts: { contacts: 400 } });
    fake.updateContacts(
      fake.data.contacts.slice(0, 130).map((c) => c.id),
      newest,
    );
    return fake;
  }

  const newest = 1_780_000_000;
  for (
    const [age, resume] of [
      [SETTLE_SECONDS - 1, newest],
      [SETTLE_SECONDS, newest + 1],
    ] as const
  ) {
    it(
      `after a walk whose newest change is ${age} s old, resumes at ${
        resume - newest ? "the next second" : "its second"
      }`,
      async () => {
        await bulkEditedAt(newest);
        const saved = { updated_at: newest - 3600 };
        const events = await readContacts(fake, newest + age, saved);
        assert.deepEqual(lastState(events), { updated_at: resume });
        assert.equal(
          recordCount(events),
          fake.data.contacts.filter((c) => c.updated_at >= newest - 3600)
            .length,
        );
      },
    );

    it(`after a first sync's backfill, the same (${age} s)`, async () => {
      await bulkEditedAt(newest);
      const events = await readContacts(fake, newest + age, {});
      assert.deepEqual(lastState(events), { updated_at: resume });
      assert.equal(recordCount(events), fake.data.contacts.length);
    });
  }

  it("resumes a killed backfill with the cursor it began with", async () => {
    await bulkEditedAt(newest);
    const backfilled = fake.data.contacts[200].created_at;
    const events = await readContacts(fake, newest + 3600, {
      updated_at: newest + 1,
      created_at: backfilled,
    });
    assert.deepEqual(lastState(events), { updated_at: newest + 1 });
    assert.equal(
      recordCount(events),
      fake.data.contacts.filter((c) => c.created_at > backfilled).length,
    );
  });

  it("with nothing new past a settled cursor, reads one page and keeps it", async () => {
    await bulkEditedAt(newest);
    const before = fake.requests.length;
    const events = await readContacts(fake, newest + 3600, {
      updated_at: newest + 1,
    });
    assert.deepEqual(lastState(events), { updated_at: newest + 1 });
    assert.equal(recordCount(events), 0);
    assert.equal(fake.requests.length - before, 1);
  });
});

describe("calls expansion flags", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  it("are sent again when a seam is read again after a deletion", async () => {
    fake = await startFake({ counts: { calls: 400 } });
    const visible = fake.visibleCallIds().length;
    const newest = fake.visibleCallIds().at(-1);
    fake.interceptors.push((request) => {
      if (
        request.search.get("page") === "4" && fake.data.calls.length === 400
      ) {
        // Deleted from page 1, already read: the pages after it move up.
        fake.deleteCalls([newest!]);
      }
      return undefined;
    });
    const events = await readEvents(fake, calls, "full_refresh", fake.now, {});
    const read = new Set(
      events.flatMap((e) => e.kind === "records" ? e.records : [])
        .map((r) => r.id),
    );
    assert.equal(read.size, visible);
    // Page 1 of the window, then page 1 of each seam read again.
    const firstPages = fake.requests.filter((r) => r.query.page === "1");
    assert.ok(firstPages.length > 1, "a seam was read again");
    assert.deepEqual(callsRequestsNotExpanded(fake.requests), []);
  });
});
