/**
 * The contacts walk's seam checks, in process: where the page placed across
 * a seam falls, and the bound on looking for one.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { AircallClient } from "../src/aircall/client.ts";
import { Scheduler } from "../src/aircall/scheduler.ts";
import {
  MAX_SEAM_ATTEMPTS,
  pageAcross,
  walkNewestFirst,
} from "../src/aircall/walk.ts";
import { ConnectorError } from "../src/errors.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import { startFake, TEST_API_ID, TEST_API_TOKEN } from "./_helpers.ts";

describe("pageAcross", () => {
  it("places the position well inside one page, within the cap", () => {
    for (const position of [1, 49, 50, 51, 100, 150, 999, 5_000, 9_990]) {
      const { number, perPage } = pageAcross(position);
      const start = (number - 1) * perPage;
      assert.ok(perPage >= 2 && perPage <= 50, `${position}: ${perPage}`);
      assert.ok(number * perPage <= 10_000, `${position}: within the cap`);
      assert.ok(start < position && position < number * perPage, `${position}`);
    }
  });

  it("prefers the margin, then the larger page", () => {
    // 50 sits on a page edge for 50, 25, 10...: 34 puts it 16 inside.
    assert.deepEqual(pageAcross(50), { number: 2, perPage: 34 });
    assert.deepEqual(pageAcross(95), { number: 3, perPage: 38 });
  });
});

describe("walkNewestFirst", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  it("gives up on a seam it cannot close after a bounded number of looks", async () => {
    fake = await startFake({ counts: { contacts: 600 } });
    // Each answer counts one contact less than the last (a seam at every
    // page), and a page placed across a seam comes back with neither side.
    let answers = 0;
    fake.interceptors.push((request) => {
      const response = fake.handle(request);
      const body = response.body as {
        contacts: unknown[];
        meta: { total: number };
      };
      body.meta.total -= answers++;
      if (request.search.get("per_page") !== "50") body.contacts = [];
      return response;
    });
    const client = new AircallClient({
      baseUrl: fake.url,
      apiId: TEST_API_ID,
      apiToken: TEST_API_TOKEN,
      scheduler: new Scheduler(100_000),
    });
    const walk = walkNewestFirst(client, {
      path: "/v1/contacts",
      key: "contacts",
      query: { order_by: "updated_at", order: "desc" },
      primaryKey: "id",
      version: "updated_at",
    }, () => false);
    await assert.rejects(
      async () => {
        for await (const _ of walk) { /* read on */ }
      },
      (error: Error) =>
        error instanceof ConnectorError &&
        error.failureType === "transient_error" &&
        /kept changing while it was read/.test(error.message),
    );
    // Page 1, page 2, then the looks at their seam: bounded.
    assert.equal(fake.requests.length, 2 + MAX_SEAM_ATTEMPTS + 1);
  });
});
