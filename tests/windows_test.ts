import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { AircallClient } from "../src/aircall/client.ts";
import { Scheduler } from "../src/aircall/scheduler.ts";
import { ConnectorError } from "../src/errors.ts";
import {
  readWindows,
  splitRange,
  type WindowedList,
} from "../src/aircall/windows.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import { startFake, TEST_API_ID, TEST_API_TOKEN } from "./_helpers.ts";

describe("splitRange", () => {
  it("covers the range with adjacent, non-overlapping windows", () => {
    for (
      const [lo, hi, parts] of [[0, 9, 2], [5, 5, 3], [100, 1_000_003, 7], [
        1,
        3,
        10,
      ]]
    ) {
      const ranges = splitRange(lo, hi, parts);
      assert.equal(ranges[0][0], lo);
      assert.equal(ranges.at(-1)![1], hi);
      for (let i = 0; i < ranges.length; i++) {
        assert.ok(ranges[i][0] <= ranges[i][1], "non-empty");
        if (i > 0) assert.equal(ranges[i][0], ranges[i - 1][1] + 1, "adjacent");
      }
      assert.equal(ranges.length, Math.min(parts, hi - lo + 1));
    }
  });

  it("splits evenly", () => {
    assert.deepEqual(splitRange(0, 9, 2), [[0, 4], [5, 9]]);
  });
});

/** Everything `readWindows` yields for `[lo, hi]` on the fake. */
async function readAll(
  fake: FakeAircall,
  list: WindowedList,
  lo: number,
  hi: number,
  skip?: Set<unknown>,
): Promise<{ ids: number[]; windows: [number, number][] }> {
  const client = new AircallClient({
    baseUrl: fake.url,
    apiId: TEST_API_ID,
    apiToken: TEST_API_TOKEN,
    scheduler: new Scheduler(100_000),
  });
  const ids: number[] = [];
  const windows: [number, number][] = [];
  for await (const event of readWindows(client, list, lo, hi, { skip })) {
    if (event.kind === "records") {
      ids.push(...event.records.map((r) => r.id as number));
    }
    if (event.kind === "window") windows.push([event.lo, event.hi]);
  }
  return { ids, windows };
}

const CALLS: WindowedList = {
  path: "/v1/calls",
  key: "calls",
  primaryKey: "id",
  field: "started_at",
  fromExclusive: true,
};
const CONTACTS: WindowedList = {
  path: "/v1/contacts",
  key: "contacts",
  primaryKey: "id",
  field: "created_at",
  fromExclusive: false,
};

describe("readWindows on the fake API", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  // Records on every second, so every split point falls inside a busy second:
  // an off-by-one at a window edge loses or doubles a whole second.
  for (
    const [list, add] of [[CALLS, "addCalls"], [
      CONTACTS,
      "addContacts",
    ]] as const
  ) {
    it(`${list.key}: every record exactly once across split windows`, async () => {
      fake = await startFake({ counts: { calls: 0, contacts: 0 } });
      const first = fake.now - 5_000;
      for (let second = first; second < first + 2_100; second++) {
        fake[add](12, second);
      }
      const expected = (list === CALLS ? fake.data.calls : fake.data.contacts)
        .map((r) => r.id);
      const { ids, windows } = await readAll(fake, list, first, fake.now);
      assert.ok(windows.length >= 4, `${windows.length} windows`);
      assert.equal(new Set(ids).size, ids.length, "no duplicates");
      assert.deepEqual([...ids].sort((a, b) => a - b), expected);
      for (let i = 1; i < windows.length; i++) {
        assert.equal(windows[i][0], windows[i - 1][1] + 1, "adjacent windows");
      }
      for (const request of fake.requests) {
        assert.ok(Number(request.query.page) * 50 <= 10_000);
      }
    });
  }

  it("re-reads a window that grows past the cap while it is read", async () => {
    fake = await startFake({ counts: { calls: 0, contacts: 0 } });
    const first = fake.now - 1_000;
    for (let second = first; second < first + 999; second++) {
      fake.addCalls(10, second); // 9,990 calls: one window
    }
    let grown = false;
    fake.interceptors.push((request) => {
      if (request.search.get("page") === "150" && !grown) {
        grown = true;
        for (let second = first; second < first + 50; second++) {
          fake.addCalls(10, second); // 500 more, inside the window
        }
      }
      return undefined;
    });
    const { ids } = await readAll(fake, CALLS, first, fake.now);
    assert.ok(grown);
    assert.equal(new Set(ids).size, ids.length, "no duplicates");
    assert.equal(ids.length, 10_490);
  });

  // The contacts fallback passes the walk's ids as a skip set: same rule.
  for (
    const [label, skip] of [["", undefined], [
      ", given ids to skip",
      new Set<unknown>([1]),
    ]] as const
  ) {
    it(`reads a window again when records vanish while it is read${label}`, async () => {
      fake = await startFake({ counts: { calls: 400, contacts: 0 } });
      // The newest three: a window is read newest first, so page 1 holds them.
      const deleted = fake.visibleCallIds().slice(-3);
      fake.interceptors.push((request) => {
        if (
          request.search.get("page") === "4" && fake.data.calls.length === 400
        ) {
          // Deleted from an already-read page: later pages shift up by three.
          const first = fake.data.calls.findIndex((c) => c.id === deleted[0]);
          fake.data.calls.splice(first, 3);
          fake.invalidate();
        }
        return undefined;
      });
      const { ids } = await readAll(
        fake,
        CALLS,
        fake.now - 190 * 86_400,
        fake.now,
        skip,
      );
      const expected = fake.visibleCallIds();
      assert.equal(new Set(ids).size, ids.length, "no duplicates");
      for (const id of expected) assert.ok(ids.includes(id), `call ${id}`);
      assert.ok(
        deleted.every((id) => ids.includes(id)),
        "read before deletion",
      );
    });
  }

  it("gives up on a second that keeps changing, after a bounded number of reads", async () => {
    fake = await startFake({ counts: { calls: 0, contacts: 0 } });
    const second = fake.now - 600;
    fake.addCalls(120, second);
    // Every answer counts one record more than the last: a seam at every
    // page, in a second that cannot be narrowed.
    let changes = 0;
    fake.interceptors.push((request) => {
      const response = fake.handle(request);
      (response.body as { meta: { total: number } }).meta.total += changes++;
      return response;
    });
    await assert.rejects(
      readAll(fake, CALLS, second, second),
      (error: Error) =>
        error instanceof ConnectorError &&
        error.failureType === "transient_error" &&
        /kept changing while started_at \d+\.\.\d+ was read \(5 reads\)/
          .test(error.message),
    );
    // Each read of the second is 3 pages; 5 reads, not forever.
    assert.ok(fake.requests.length <= 5 * 4, `${fake.requests.length}`);
  });

  it("refuses to size windows without meta.total", async () => {
    fake = await startFake({ counts: { calls: 100 } });
    fake.interceptors.push((request) => {
      if (request.path !== "/v1/calls") return undefined;
      const response = fake.handle(request);
      delete (response.body as { meta: { total?: number } }).meta.total;
      return response;
    });
    await assert.rejects(
      readAll(fake, CALLS, fake.now - 86_400, fake.now),
      /has no meta\.total, which sizing time windows needs/,
    );
  });
});
