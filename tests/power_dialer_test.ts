/**
 * The Power Dialer streams: each user's campaign and its queue of numbers,
 * fanned out over `/v2/users` against the fake. A user without a campaign
 * answers 404: one request, no record, nothing to warn of.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  dialerCampaignNumbers,
  dialerCampaigns,
} from "../src/streams/power_dialer.ts";
import type { FakeAircall, FakeRequest } from "./fake_aircall/mod.ts";
import {
  assertCleanRead,
  type CliRun,
  ofType,
  readFake,
  recordsByStream,
  startFake,
  strictSchemaErrors,
} from "./_helpers.ts";

const STREAMS = {
  dialer_campaigns: "full_refresh",
  dialer_campaign_numbers: "full_refresh",
} as const;

/** The fake's queued numbers as the stream should emit them, sorted. */
function expectedNumbers(fake: FakeAircall): Record<string, unknown>[] {
  return fake.data.users.flatMap((user) =>
    (fake.data.dialerNumbers[user.id] ?? []).map((n) => ({
      ...n,
      user_id: user.id,
    }))
  ).sort(byKey);
}

function byKey(a: Record<string, unknown>, b: Record<string, unknown>) {
  return (a.user_id as number) - (b.user_id as number) ||
    (a.id as number) - (b.id as number);
}

/** Requests per user id to `/v1/users/{id}/<suffix>`. */
function requestsPerUser(
  requests: FakeRequest[],
  suffix: string,
): Map<number, number> {
  const pattern = new RegExp(`^/v1/users/(\\d+)/${suffix}$`);
  const counts = new Map<number, number>();
  for (const request of requests) {
    const match = pattern.exec(request.path);
    if (match) {
      const id = Number(match[1]);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

describe("Power Dialer streams", () => {
  let fake: FakeAircall;
  let run: CliRun;
  let records: Map<string, Record<string, unknown>[]>;
  before(async () => {
    fake = await startFake();
    run = await readFake(fake, STREAMS);
    records = recordsByStream(run.messages);
  });
  after(() => fake.close());

  it("ends clean, with records that pass their schemas strictly", () => {
    assertCleanRead(run, Object.keys(STREAMS));
    const streams = [dialerCampaigns, dialerCampaignNumbers].map((s) => ({
      name: s.name,
      json_schema: s.schema,
    }));
    assert.deepEqual(strictSchemaErrors(run.messages, streams), []);
  });

  it("the fake has users with and without a campaign, and queues longer than a page", () => {
    const { users, dialerCampaigns: campaigns, dialerNumbers } = fake.data;
    const withCampaign = users.filter((u) => campaigns[u.id] !== undefined);
    assert.ok(withCampaign.length >= 10, `${withCampaign.length}`);
    assert.ok(users.length - withCampaign.length >= 10);
    assert.ok(withCampaign.some((u) => dialerNumbers[u.id].length === 0));
    assert.ok(
      withCampaign.filter((u) => dialerNumbers[u.id].length > 50).length >= 2,
    );
    const numberIds = withCampaign.map((u) => typeof campaigns[u.id].number_id);
    assert.deepEqual([...new Set(numberIds)].sort(), ["number", "string"]);
  });

  it("returns exactly the fake's campaigns, each with its user_id", () => {
    const expected = fake.data.users.flatMap((user) => {
      const campaign = fake.data.dialerCampaigns[user.id];
      return campaign ? [{ ...campaign, user_id: user.id }] : [];
    });
    assert.deepEqual(records.get("dialer_campaigns"), expected);
  });

  it("returns exactly the fake's queued numbers, each with its user_id", () => {
    const got = [...records.get("dialer_campaign_numbers")!].sort(byKey);
    assert.deepEqual(got, expectedNumbers(fake));
  });

  it("asks once per user per stream, plus the queues' further pages; a 404 costs one request", () => {
    const campaigns = requestsPerUser(fake.requests, "dialer_campaign");
    const queues = requestsPerUser(
      fake.requests,
      "dialer_campaign/phone_numbers",
    );
    for (const user of fake.data.users) {
      assert.equal(campaigns.get(user.id), 1, `campaign of ${user.id}`);
      const queue = fake.data.dialerNumbers[user.id];
      const pages = queue === undefined
        ? 1
        : Math.max(1, Math.ceil(queue.length / 50));
      assert.equal(queues.get(user.id), pages, `queue of ${user.id}`);
    }
    const notFound = fake.requests.filter((r) => r.status === 404);
    const without = fake.data.users.filter((u) =>
      fake.data.dialerCampaigns[u.id] === undefined
    );
    assert.equal(notFound.length, 2 * without.length);
  });

  it("warns of nothing: a user without a campaign is not news", () => {
    const warnings = ofType(run.messages, "LOG")
      .filter((m) => ["WARN", "ERROR"].includes(m.log!.level));
    assert.deepEqual(warnings, []);
    assert.ok(!run.stderr.includes("404"), run.stderr);
  });

  it("reads a queue served without meta as the whole list: one request per user", async () => {
    const queue = /^\/v1\/users\/(\d+)\/dialer_campaign\/phone_numbers$/;
    fake.interceptors.push((request) => {
      const match = queue.exec(request.path);
      const numbers = match && fake.data.dialerNumbers[Number(match[1])];
      return numbers ? { status: 200, body: { numbers } } : undefined;
    });
    fake.requests.length = 0;
    try {
      const unpaged = await readFake(fake, {
        dialer_campaign_numbers: "full_refresh",
      });
      assertCleanRead(unpaged, ["dialer_campaign_numbers"]);
      const got = [
        ...recordsByStream(unpaged.messages)
          .get("dialer_campaign_numbers")!,
      ].sort(byKey);
      assert.deepEqual(got, expectedNumbers(fake));
      const asked = requestsPerUser(
        fake.requests,
        "dialer_campaign/phone_numbers",
      );
      assert.deepEqual(
        [...asked.values()].filter((n) => n !== 1),
        [],
        "one request each, long queues included",
      );
      assert.equal(asked.size, fake.data.users.length);
    } finally {
      fake.interceptors.length = 0;
    }
  });

  it("both are opt-in, saying what they cost", () => {
    assert.match(dialerCampaigns.optIn ?? "", /one request per user/);
    assert.match(dialerCampaignNumbers.optIn ?? "", /one request per user/);
  });
});
