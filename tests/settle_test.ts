/**
 * Reads that settle: whatever the account does while a sync runs (records
 * deleted one per request or hundreds at once, calls ageing out of the
 * API's horizon, deletions balanced by insertions, more than 10,000 records
 * in one second), every record alive when the sync starts and still alive
 * when it ends is emitted, and the saved state never passes unread data.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type {
  FakeAircall,
  FakeChurn,
  FakeHttpRequest,
} from "./fake_aircall/mod.ts";
import { extraPagesFor } from "../src/aircall/walk.ts";
import {
  assertCleanRead,
  type CliRun,
  EVERY_STATE,
  lastStates,
  type Message,
  ofType,
  readArgs,
  readFake,
  recordsByStream,
  spawnCli,
  startFake,
  type Streams,
} from "./_helpers.ts";

const contactIds = (fake: FakeAircall) =>
  new Set(fake.data.contacts.map((c) => c.id));

/** Ids of `stream` a run emitted. */
function emitted(run: CliRun, stream: string): Set<unknown> {
  return new Set(
    (recordsByStream(run.messages).get(stream) ?? []).map((r) => r.id),
  );
}

/** The ids of `wanted` a run did not emit, for a readable failure. */
function missing(got: Set<unknown>, wanted: Iterable<unknown>): unknown[] {
  return [...wanted].filter((id) => !got.has(id));
}

/** Reads `streams` while `churn` changes the fake's data. */
function readWhile(
  fake: FakeAircall,
  churn: FakeChurn,
  streams: Streams,
  state?: unknown,
): Promise<CliRun> {
  fake.faults.churn = churn;
  return readFake(fake, streams, { state }).finally(() => {
    delete fake.faults.churn;
  });
}

const intersect = <T>(a: Set<T>, b: Set<T>) =>
  [...a].filter((value) => b.has(value));

describe("the contacts walk settles", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  /**
   * A fake whose contacts have a saved cursor, with `changed` contacts
   * edited after it (spread over seconds, as real edits are).
   */
  async function changedSince(
    counts: number,
    changed: number,
  ): Promise<{ state: unknown[]; cursor: number; changedIds: number[] }> {
    fake = await startFake({ counts: { contacts: counts } });
    const first = await readFake(fake, { contacts: "incremental" });
    assertCleanRead(first, ["contacts"]);
    const state = lastStates(first.messages);
    const cursor = state[0]!.stream.stream_state.updated_at as number;
    const changedIds = fake.data.contacts.slice(0, changed).map((c) => c.id);
    for (let i = 0; i < changedIds.length; i += 10) {
      fake.updateContacts(changedIds.slice(i, i + 10), cursor + 1 + i / 10);
    }
    return { state, cursor, changedIds };
  }

  it("loses no changed contact when one on page 1 is deleted before page 2", async () => {
    const { state, changedIds } = await changedSince(700, 230);
    const alive = contactIds(fake);
    const run = await readWhile(
      fake,
      // Position 10 of the list page 2 reads is a contact of page 1.
      { path: "/v1/contacts", from: 2, until: 2, deleteAt: 10 },
      { contacts: "incremental" },
      state,
    );
    assertCleanRead(run, ["contacts"]);
    const survivors = intersect(new Set(changedIds), contactIds(fake));
    assert.equal(survivors.length, changedIds.length - 1, "one deleted");
    assert.ok(alive.size > contactIds(fake).size);
    assert.deepEqual(missing(emitted(run, "contacts"), survivors), []);
    assert.ok(
      ofType(run.messages, "LOG").some((m) =>
        /pages read again/.test(m.log!.message)
      ),
      "the re-read is logged",
    );
  });

  for (
    const [label, deleteAt, before] of [
      ["among the pages read", 40, 7],
      ["taking every page read so far", 0, 6],
    ] as const
  ) {
    it(`closes a 250-contact bulk delete ${label} with a few more pages`, async () => {
      const changed = 630;
      const { state, cursor, changedIds } = await changedSince(3_000, changed);
      fake.requests.length = 0;
      const run = await readWhile(
        fake,
        // Before the walk's request `before`: 250 records of the list it
        // reads, from `deleteAt` on, deleted at once.
        {
          path: "/v1/contacts",
          from: before,
          until: before,
          deleteAt,
          deleteCount: 250,
        },
        { contacts: "incremental" },
        state,
      );
      assertCleanRead(run, ["contacts"]);
      const alive = contactIds(fake);
      assert.equal(alive.size, 3_000 - 250);
      const survivors = changedIds.filter((id) => alive.has(id)).sort((a, b) =>
        a - b
      );
      assert.equal(survivors.length, changed - 250, "all 250 were changed");
      // Exactly the contacts changed since the cursor (inclusive) alive at
      // the end (and some of the deleted, read before they went).
      const got = [...emitted(run, "contacts")] as number[];
      const wanted = fake.data.contacts.filter((c) => c.updated_at >= cursor)
        .map((c) => c.id).sort((a, b) => a - b);
      assert.deepEqual(missing(new Set(wanted), survivors), [], "survivors");
      assert.deepEqual(
        got.filter((id) => alive.has(id)).sort((a, b) => a - b),
        wanted,
      );
      // No fallback to a backfill, and a bounded number of pages read again:
      // the plain walk's pages plus about one per 25 places shifted.
      const walk = fake.requests.filter((r) => r.path === "/v1/contacts");
      assert.ok(walk.every((r) => r.query.order_by === "updated_at"));
      const plain = Math.ceil((changed + 1) / 50);
      assert.ok(
        walk.length <= plain + extraPagesFor(250),
        `${walk.length} requests`,
      );
      // The pages read again, as logged: about one per 50 places shifted.
      const log = ofType(run.messages, "LOG").map((m) => m.log!.message);
      const reread = log.map((m) => /: (\d+) pages read again/.exec(m))
        .find((match) => match !== null);
      assert.ok(reread, "logged");
      const pages = Number(reread[1]);
      assert.ok(pages >= 5 && pages <= extraPagesFor(250), `${pages} pages`);
    });
  }

  for (
    const [label, churn] of [
      ["one deletion per request", { deletePerRequest: 1 }],
      ["a burst of hundreds of deletions", {
        from: 3,
        until: 3,
        deletePerRequest: 400,
      }],
      ["twenty deletions per request amid edits and new contacts", {
        deletePerRequest: 20,
        editPerRequest: 3,
        insertPerRequest: 2,
      }],
    ] as const
  ) {
    it(`loses no changed contact with ${label}, and the next sync ends with every one`, async () => {
      const { state, cursor, changedIds } = await changedSince(3_000, 900);
      const before = new Map(
        fake.data.contacts.map((c) => [c.id, c.updated_at]),
      );
      // Edited and new contacts join the front of the walk, as they do when
      // changed now.
      const front = cursor + 1_000;
      const run = await readWhile(
        fake,
        { path: "/v1/contacts", changeAt: front, ...churn },
        { contacts: "incremental" },
        state,
      );
      assertCleanRead(run, ["contacts"]);
      const after = new Map(
        fake.data.contacts.map((c) => [c.id, c.updated_at]),
      );
      // Changed before the sync, alive at its end, not edited meanwhile.
      const survivors = changedIds.filter((id) =>
        after.has(id) && after.get(id) === before.get(id)
      );
      assert.ok(survivors.length < changedIds.length, "some were deleted");
      const got = emitted(run, "contacts");
      assert.deepEqual(missing(got, survivors), []);
      // The next sync, from this one's state, after the mutations.
      const next = await readFake(fake, { contacts: "incremental" }, {
        state: lastStates(run.messages),
      });
      assertCleanRead(next, ["contacts"]);
      for (const id of emitted(next, "contacts")) got.add(id);
      const changedAlive = fake.data.contacts
        .filter((c) => c.updated_at >= cursor).map((c) => c.id);
      assert.ok(changedAlive.length > survivors.length);
      assert.deepEqual(missing(got, changedAlive), []);
    });
  }
});

describe("windowed reads settle", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  for (const seed of [1, 2, 3]) {
    it(`a contacts full refresh of 9,000 loses none with one deletion per request (seed ${seed})`, async () => {
      fake = await startFake({ seed, counts: { contacts: 9_000 } });
      const before = contactIds(fake);
      const run = await readWhile(
        fake,
        { path: "/v1/contacts", deletePerRequest: 1 },
        { contacts: "full_refresh" },
      );
      assertCleanRead(run, ["contacts"]);
      const survivors = intersect(before, contactIds(fake));
      assert.ok(survivors.length < before.size - 100, "deleted throughout");
      assert.deepEqual(missing(emitted(run, "contacts"), survivors), []);
    });
  }

  it("an incremental contacts backfill loses none with a burst of deletions", async () => {
    fake = await startFake({ counts: { contacts: 4_000 } });
    const before = contactIds(fake);
    const run = await readWhile(
      fake,
      { path: "/v1/contacts", from: 20, until: 20, deletePerRequest: 300 },
      { contacts: "incremental" },
    );
    assertCleanRead(run, ["contacts"]);
    const survivors = intersect(before, contactIds(fake));
    assert.deepEqual(missing(emitted(run, "contacts"), survivors), []);
  });

  it("loses no call while calls age out of the horizon during the oldest window", async () => {
    fake = await startFake({ counts: { calls: 6_000 } });
    const before = new Set(fake.visibleCallIds());
    // Half a day per request: the oldest calls leave as the read goes on.
    const run = await readWhile(
      fake,
      { path: "/v1/calls", agePerRequest: 43_200 },
      { calls: "full_refresh" },
    );
    assertCleanRead(run, ["calls"]);
    const after = new Set(fake.visibleCallIds());
    assert.ok(after.size < before.size - 100, "calls aged out");
    assert.deepEqual(
      missing(emitted(run, "calls"), intersect(before, after)),
      [],
    );
  });

  for (
    const [stream, path] of [
      ["contacts", "/v1/contacts"],
      ["calls", "/v1/calls"],
    ] as const
  ) {
    it(`notices a deletion balanced by an insertion in the same window (${stream})`, async () => {
      fake = await startFake({ counts: { calls: 600, contacts: 600 } });
      const before = stream === "calls"
        ? new Set(fake.visibleCallIds())
        : contactIds(fake);
      const run = await readWhile(
        fake,
        // A record of page 1 goes, a new one comes: the total stays.
        { path, from: 3, until: 3, deleteAt: 10, insertPerRequest: 1 },
        { [stream]: "full_refresh" },
      );
      assertCleanRead(run, [stream]);
      const after = stream === "calls"
        ? new Set(fake.visibleCallIds())
        : contactIds(fake);
      assert.equal(after.size, before.size, "balanced");
      assert.deepEqual(
        missing(emitted(run, stream), intersect(before, after)),
        [],
      );
    });
  }

  it("reads all of 10,600 calls that share one second", async () => {
    fake = await startFake({ counts: { calls: 300 } });
    const second = fake.now - 3_600;
    fake.addCalls(10_600, second);
    const run = await readFake(fake, { calls: "full_refresh" });
    assertCleanRead(run, ["calls"]);
    assert.deepEqual(
      missing(emitted(run, "calls"), fake.visibleCallIds()),
      [],
    );
    assert.equal(
      ofType(run.messages, "LOG").filter((m) => m.log!.level === "WARN").length,
      0,
    );
  });

  it("past 20,000 in one second, says which second and exactly how many", async () => {
    fake = await startFake({ counts: { calls: 100 } });
    const second = fake.now - 3_600;
    fake.addCalls(20_500, second);
    const run = await readFake(fake, { calls: "full_refresh" });
    assertCleanRead(run, ["calls"]);
    const got = emitted(run, "calls");
    assert.equal(missing(got, fake.visibleCallIds()).length, 500);
    const warnings = ofType(run.messages, "LOG")
      .filter((m) => m.log!.level === "WARN").map((m) => m.log!.message);
    assert.deepEqual(warnings, [
      `500 of the 20500 calls sharing started_at ${second} cannot be read: Aircall lists at most 10000 per query, read both oldest and newest first.`,
    ]);
  });

  it("a kill in the middle of a settling re-read, then a resume, loses nothing", async () => {
    fake = await startFake({ counts: { calls: 0, contacts: 20_000 } });
    const before = contactIds(fake);
    // Kill the connector when it re-reads a span between two pages (a query
    // narrower than the window it is paging) in its second window, after the
    // first window's STATE.
    const windows: [number, number][] = [];
    let killed = false;
    fake.interceptors.push((request) => {
      const q = request.search;
      if (request.path !== "/v1/contacts" || killed || !q.has("from")) {
        return undefined;
      }
      const from = Number(q.get("from"));
      const to = Number(q.get("to"));
      const [lo, hi] = windows.at(-1) ?? [NaN, NaN];
      const inside = from >= lo && to <= hi;
      if (q.get("page") === "2" && !inside) windows.push([from, to]);
      const narrower = inside && (from > lo || to < hi);
      if (windows.length === 2 && q.get("page") === "1" && narrower) {
        killed = true;
        proc.child.kill("SIGKILL");
        return { status: 503, body: { message: "Service Unavailable" } };
      }
      return undefined;
    });
    fake.faults.churn = { path: "/v1/contacts", deletePerRequest: 2 };
    // Every checkpoint written, so the first window's STATE is out before
    // the kill in the second.
    const proc = spawnCli(readArgs({ contacts: "incremental" }), {
      AIRCALL_API_URL: fake.url,
      ...EVERY_STATE,
    });
    const cut = await proc.result;
    assert.ok(killed, "killed during a re-read");
    assert.equal(cut.signal, "SIGKILL");
    const states = lastStates(cut.messages);
    assert.equal(states.length, 1, "the first window's STATE");
    const resumed = await readFake(fake, { contacts: "incremental" }, {
      state: states,
    });
    delete fake.faults.churn;
    assertCleanRead(resumed, ["contacts"]);
    const got = emitted(cut, "contacts");
    for (const id of emitted(resumed, "contacts")) got.add(id);
    const survivors = intersect(before, contactIds(fake));
    assert.deepEqual(missing(got, survivors), []);
  });
});

describe("a read that cannot settle", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  it("ends the stream with a transient_error after its last good STATE; the next attempt loses nothing", async () => {
    fake = await startFake({ counts: { calls: 12_000, contacts: 0 } });
    const second = fake.now - 2 * 86_400;
    fake.addCalls(120, second);
    // Any query that lists that second counts one record more each time.
    let changes = 0;
    const unsettled = (request: FakeHttpRequest) => {
      if (request.path !== "/v1/calls") return undefined;
      const from = Number(request.search.get("from"));
      const to = Number(request.search.get("to"));
      if (!(from < second && second <= to)) return undefined;
      const response = fake.handle(request);
      (response.body as { meta: { total: number } }).meta.total += changes++;
      return response;
    };
    fake.interceptors.push(unsettled);
    const run = await readFake(fake, { calls: "incremental" });
    assert.equal(run.code, 1);
    const errors = ofType(run.messages, "TRACE", "ERROR");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].trace!.error!.failure_type, "transient_error");
    assert.match(errors[0].trace!.error!.message, /kept changing/);
    const statuses = ofType(run.messages, "TRACE", "STREAM_STATUS")
      .map((m) => m.trace!.stream_status!.status);
    assert.equal(statuses.at(-1), "INCOMPLETE");
    const states = lastStates(run.messages);
    assert.equal(states.length, 1, "the first window's STATE");
    const saved = states[0]!.stream.stream_state.started_at as number;
    assert.ok(saved < second, "never past what was not read");

    fake.interceptors.length = 0;
    const next = await readFake(fake, { calls: "incremental" }, {
      state: states,
    });
    assertCleanRead(next, ["calls"]);
    const got = emitted(run, "calls");
    for (const id of emitted(next, "calls")) got.add(id);
    assert.deepEqual(missing(got, fake.visibleCallIds()), []);
  });
});

describe("list ends and meta", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  it("reads on past a short page while meta says more remain", async () => {
    fake = await startFake({ counts: { users: 140 } });
    const dropped = new Set<unknown>();
    fake.interceptors.push((request) => {
      if (request.path !== "/v2/users" || request.search.get("page") !== "2") {
        return undefined;
      }
      // One user filtered out of page 2 server-side; meta still says 140.
      const response = fake.handle(request);
      const body = response.body as { users: { id: number }[] };
      dropped.add(body.users.pop()!.id);
      return response;
    });
    const run = await readFake(fake, { users: "full_refresh" });
    assertCleanRead(run, ["users"]);
    const got = emitted(run, "users");
    assert.equal(got.size, 139);
    assert.deepEqual(
      missing(
        got,
        fake.data.users.map((u) => u.id).filter((id) => !dropped.has(id)),
      ),
      [],
    );
  });

  it("reads counts in meta sent as numeric strings", async () => {
    fake = await startFake({
      counts: { calls: 400, contacts: 300, tags: 120 },
    });
    fake.faults.stringMeta = true;
    const run = await readFake(fake, {
      calls: "incremental",
      contacts: "full_refresh",
      tags: "full_refresh",
    });
    assertCleanRead(run, ["calls", "contacts", "tags"]);
    assert.equal(emitted(run, "calls").size, fake.visibleCallIds().length);
    assert.equal(emitted(run, "contacts").size, 300);
    assert.equal(emitted(run, "tags").size, 120);
    const estimates = ofType(run.messages, "TRACE", "ESTIMATE")
      .map((m: Message) => m.trace!.estimate!.row_estimate);
    assert.deepEqual(estimates, [fake.visibleCallIds().length, 300, 120]);
  });
});
