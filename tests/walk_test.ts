/**
 * The contacts walk's gap checks, in process: where the page read from a
 * position falls, and the bound on pages read again.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { AircallClient } from "../src/aircall/client.ts";
import { Scheduler } from "../src/aircall/scheduler.ts";
import {
  EXTRA_PAGES_BASE,
  extraPagesFor,
  MAX_EXTRA_PAGES,
  MIN_STEP,
  pageFrom,
  type WalkEvent,
  walkNewestFirst,
} from "../src/aircall/walk.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import { startFake, TEST_API_ID, TEST_API_TOKEN } from "./_helpers.ts";

describe("pageFrom", () => {
  it("starts at or before the position and reads at least MIN_STEP past it, within the cap", () => {
    for (let position = 0; position < 9_950; position++) {
      const { number, perPage } = pageFrom(position);
      const start = (number - 1) * perPage;
      const end = number * perPage;
      assert.ok(perPage >= 2 && perPage <= 50, `${position}: ${perPage}`);
      assert.ok(end <= 10_000, `${position}: within the cap`);
      assert.ok(start <= position, `${position}: starts at or before`);
      assert.ok(end - position >= MIN_STEP, `${position}: ${end - position}`);
    }
  });

  it("keeps pages of 50 on their edges and prefers the farthest reach", () => {
    assert.deepEqual(pageFrom(0), { number: 1, perPage: 50 });
    assert.deepEqual(pageFrom(100), { number: 3, perPage: 50 });
    assert.deepEqual(pageFrom(49), { number: 2, perPage: 49 });
    assert.deepEqual(pageFrom(9_990), { number: 200, perPage: 50 });
  });
});

describe("walkNewestFirst", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  function walk(): AsyncGenerator<WalkEvent> {
    const client = new AircallClient({
      baseUrl: fake.url,
      apiId: TEST_API_ID,
      apiToken: TEST_API_TOKEN,
      scheduler: new Scheduler(100_000),
    });
    return walkNewestFirst(client, {
      path: "/v1/contacts",
      key: "contacts",
      query: { order_by: "updated_at", order: "desc" },
      primaryKey: "id",
      version: "updated_at",
    }, () => false);
  }

  it("stops as unsettled after a bounded number of pages when the list shifts more than a page at every answer", async () => {
    fake = await startFake({ counts: { contacts: 600 } });
    // Each answer counts 60 contacts fewer than the last and holds none read
    // before: the walk can never close its gap.
    let answers = 0;
    fake.interceptors.push((request) => {
      const response = fake.handle(request);
      const body = response.body as {
        contacts: { id: number }[];
        meta: { total: number };
      };
      body.meta.total -= 60 * answers++;
      for (const contact of body.contacts) contact.id += 1_000_000 * answers;
      return response;
    });
    const events: WalkEvent[] = [];
    for await (const event of walk()) events.push(event);
    assert.deepEqual(events.at(-1), { kind: "cut", reason: "unsettled" });
    const rereads = events.filter((e) => e.kind === "reread").length;
    // Page 1, page 2, then pages read again: no more than the shifts allow,
    // and never more than the cap's worth.
    const shifts = answers - 1;
    assert.ok(rereads <= EXTRA_PAGES_BASE + shifts * extraPagesFor(60));
    assert.equal(rereads, MAX_EXTRA_PAGES);
    assert.equal(fake.requests.length, 2 + rereads);
  });

  it("reads a list shifted by hundreds in one gap with pages in proportion", async () => {
    fake = await startFake({ counts: { contacts: 1_000 } });
    const ids = new Set(fake.data.contacts.map((c) => c.id));
    let answers = 0;
    fake.interceptors.push(() => {
      // Before the 5th answer, 180 of the 200 records read are deleted.
      if (++answers === 5) {
        const newest = [...fake.data.contacts]
          .sort((a, b) => b.updated_at - a.updated_at || b.id - a.id);
        fake.deleteContacts(newest.slice(10, 190).map((c) => c.id));
      }
      return undefined;
    });
    const got = new Set<unknown>();
    let rereads = 0;
    for await (const event of walk()) {
      if (event.kind === "records") {
        for (const r of event.records) got.add(r.id);
      } else if (event.kind === "reread") rereads++;
      else assert.fail(`cut: ${event.reason}`);
    }
    assert.equal(got.size, ids.size);
    assert.ok(rereads >= 1 && rereads <= extraPagesFor(180), `${rereads}`);
  });
});
