import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { AircallClient, type Query } from "../src/aircall/client.ts";
import {
  isCutByCap,
  isLastPage,
  type ListQuery,
  type Page,
  pages,
} from "../src/aircall/pages.ts";
import { Scheduler } from "../src/aircall/scheduler.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import { startFake, TEST_API_ID, TEST_API_TOKEN } from "./_helpers.ts";

/** A client that records the page of each request when it is made. */
class RecordingClient extends AircallClient {
  readonly pagesAsked: number[] = [];

  override get(
    path: string,
    query: Query = {},
    signal?: AbortSignal,
  ): Promise<unknown> {
    this.pagesAsked.push(Number(query.page));
    return super.get(path, query, signal);
  }
}

function clientFor(fake: FakeAircall): RecordingClient {
  return new RecordingClient({
    baseUrl: fake.url,
    apiId: TEST_API_ID,
    apiToken: TEST_API_TOKEN,
    scheduler: new Scheduler(100_000),
    sleep: () => Promise.resolve(),
  });
}

const USERS: ListQuery = { path: "/v2/users", key: "users", query: {} };

/** The pages asked for by the time the caller holds each page. */
async function askedWhileHandling(
  client: RecordingClient,
  options: { ahead?: number },
): Promise<number[][]> {
  const asked: number[][] = [];
  for await (const _page of pages(client, USERS, options)) {
    asked.push([...client.pagesAsked]);
  }
  return asked;
}

describe("pages", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  it("keeps two pages requested while one is handled, none past the total", async () => {
    fake = await startFake({ counts: { users: 220 } }); // 5 pages
    assert.deepEqual(await askedWhileHandling(clientFor(fake), {}), [
      [1, 2, 3],
      [1, 2, 3, 4],
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
    ]);
  });

  it("requests nothing ahead for a walk that may stop early", async () => {
    fake = await startFake({ counts: { users: 120 } }); // 3 pages
    assert.deepEqual(await askedWhileHandling(clientFor(fake), { ahead: 0 }), [
      [1],
      [1, 2],
      [1, 2, 3],
    ]);
  });

  it("gives up the pages read ahead when the caller stops: no retries", async () => {
    fake = await startFake({ counts: { users: 300 } }); // 6 pages
    let page3Seen!: () => void;
    const page3 = new Promise<void>((resolve) => page3Seen = resolve);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => stop = resolve);
    fake.interceptors.push(async (request) => {
      if (request.search.get("page") !== "3") return undefined;
      page3Seen();
      await stopped; // answered once the caller has stopped
      return { status: 503, body: { message: "Service Unavailable" } };
    });
    for await (const page of pages(clientFor(fake), USERS)) {
      // Page 3, requested ahead, is on the wire when the caller stops.
      if (page.number === 2) {
        await page3;
        break;
      }
    }
    stop();
    // Time for retries to happen, were they made: the client's sleeps are instant.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const asked = fake.requests.map((r) => Number(r.query.page));
    assert.equal(asked.filter((page) => page === 3).length, 1);
    assert.ok(!asked.includes(5), "nothing requested after the caller stopped");
  });

  it("gives up every request once the caller's signal aborts: no retries", async () => {
    fake = await startFake({ counts: { users: 300 } }); // 6 pages
    const gone = new AbortController();
    gone.abort();
    await assert.rejects(
      pages(clientFor(fake), USERS, { signal: gone.signal }).next(),
    );
    assert.equal(fake.requests.length, 0, "page 1 not requested");

    const fanOutStopped = new AbortController();
    fake.interceptors.push(async (request) => {
      if (request.search.get("page") !== "2") return undefined;
      fanOutStopped.abort(); // while page 2 is on the wire
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { status: 503, body: { message: "Service Unavailable" } };
    });
    const read = pages(clientFor(fake), USERS, {
      signal: fanOutStopped.signal,
    });
    await assert.rejects(async () => {
      for await (const _page of read) { /* read on */ }
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const asked = fake.requests.map((r) => Number(r.query.page));
    assert.equal(asked.filter((page) => page === 2).length, 1, "no retry");
    assert.ok(!asked.includes(4), "nothing requested after the abort");
  });

  it("reads on until a short page when meta.total is absent", async () => {
    fake = await startFake({ counts: { users: 75 } });
    fake.interceptors.push((request) => {
      const response = fake.handle(request);
      delete (response.body as { meta?: { total?: number } }).meta?.total;
      return response;
    });
    let count = 0;
    for await (const page of pages(clientFor(fake), USERS)) {
      assert.equal(page.total, undefined);
      count += page.items.length;
    }
    assert.equal(count, 75);
  });

  it("takes an answer without meta as the whole list: one request, even with more than a page", async () => {
    fake = await startFake({ counts: { users: 75 } });
    // An unpaged list ignores page and per_page: page 2 would repeat it all.
    fake.interceptors.push(() => ({
      status: 200,
      body: { users: fake.data.users },
    }));
    const client = clientFor(fake);
    let count = 0;
    for await (const page of pages(client, USERS)) count += page.items.length;
    assert.equal(count, 75);
    assert.deepEqual(client.pagesAsked, [1]);
  });

  it("reads on while next_page_link names a next page, whatever meta.total says", async () => {
    fake = await startFake({ counts: { users: 140 } });
    fake.interceptors.push((request) => {
      const response = fake.handle(request);
      (response.body as { meta: { total: number } }).meta.total = 50;
      return response;
    });
    let count = 0;
    for await (const page of pages(clientFor(fake), USERS)) {
      count += page.items.length;
    }
    assert.equal(count, 140);
  });
});

describe("isLastPage and isCutByCap", () => {
  const page = (fields: Partial<Page>): Page => ({
    number: 1,
    perPage: 50,
    items: Array.from({ length: 50 }, (_, id) => ({ id })),
    ...fields,
  });

  it("let meta decide: the link, else the total, else a short page", () => {
    assert.equal(isLastPage(page({ hasNext: true, total: 50 })), false);
    assert.equal(isLastPage(page({ hasNext: false, total: 500 })), true);
    assert.equal(isLastPage(page({ total: 50 })), true);
    assert.equal(isLastPage(page({ total: 51 })), false);
    const short = page({ items: [{ id: 1 }] });
    assert.equal(isLastPage(short), true);
    assert.equal(isLastPage({ ...short, total: 140 }), false);
    assert.equal(isLastPage(page({ items: [], hasNext: true })), true);
  });

  it("see a cut at the last legal page when the total is past the cap, whatever the link", () => {
    assert.equal(
      isCutByCap(page({ number: 200, total: 10_600, hasNext: false })),
      true,
    );
    assert.equal(isCutByCap(page({ number: 200, total: 10_000 })), false);
    assert.equal(isCutByCap(page({ number: 200, hasNext: true })), true);
    assert.equal(isCutByCap(page({ number: 200, hasNext: false })), false);
    assert.equal(isCutByCap(page({ number: 199, total: 20_000 })), false);
  });
});
