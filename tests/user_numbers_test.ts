/**
 * The user_numbers stream: a list per user of `/v2/users`, fanned out
 * through the run's client, against the fake API.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { Scheduler } from "../src/aircall/scheduler.ts";
import { userNumbers } from "../src/streams/user_numbers.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  checkpointViolations,
  ofType,
  protocolErrors,
  readFake,
  readInProcess,
  recordsByStream,
  startFake,
} from "./_helpers.ts";

/** "user_id/number_id" of every pair the fake holds, sorted. */
function fakePairs(fake: FakeAircall): string[] {
  return fake.data.users.flatMap((user) =>
    fake.data.userNumbers[user.id].map((n) => `${user.id}/${n.id}`)
  ).sort();
}

function emittedPairs(records: Record<string, unknown>[] = []): string[] {
  return records.map((r) => `${r.user_id}/${r.id}`).sort();
}

/** Pages of the users list, plus every page of each user's numbers (one at least). */
function minimumRequests(fake: FakeAircall): number {
  const pages = (n: number) => Math.max(1, Math.ceil(n / 50));
  return pages(fake.data.users.length) +
    fake.data.users.reduce(
      (sum, user) => sum + pages(fake.data.userNumbers[user.id].length),
      0,
    );
}

/** A scheduler that counts the slots it hands out. */
class CountingScheduler extends Scheduler {
  taken = 0;
  override take(): Promise<void> {
    this.taken++;
    return super.take();
  }
}

describe("user_numbers", () => {
  let fake: FakeAircall;
  afterEach(() => fake.close());

  it("returns exactly the fake's user-number pairs, with the minimum of requests", async () => {
    fake = await startFake({ counts: { users: 120, numbers: 60 } });
    const run = await readFake(fake, { user_numbers: "full_refresh" });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(protocolErrors(run.messages), []);
    assert.deepEqual(checkpointViolations(run.messages, ["user_numbers"]), []);
    const records = recordsByStream(run.messages).get("user_numbers");
    assert.deepEqual(emittedPairs(records), fakePairs(fake));
    for (const record of records!) {
      const { user_id, ...number } = record;
      const served = fake.data.userNumbers[user_id as number]
        .find((n) => n.id === number.id);
      assert.deepEqual(number, served);
      assert.equal(typeof number.flow_editor_enabled, "boolean");
    }
    // One user has all 60 numbers: a second page.
    assert.ok(
      fake.data.users.some((u) => fake.data.userNumbers[u.id].length > 50),
    );
    assert.equal(fake.requests.length, minimumRequests(fake));
    assert.ok(fake.requests.every((r) => r.status === 200));
  });

  it("skips a user deleted between the two requests with one WARN", async () => {
    // One page of users, so the deletion shifts no page of the users list.
    fake = await startFake({ counts: { users: 40 } });
    const first = fake.data.users[0];
    const deleted = fake.data.users.slice(5)
      .find((u) => fake.data.userNumbers[u.id].length > 0)!;
    // The user is deleted once the users list has been read.
    fake.interceptors.push((request) => {
      if (request.path === `/v2/users/${first.id}/numbers`) {
        const at = fake.data.users.indexOf(deleted);
        if (at >= 0) fake.data.users.splice(at, 1);
      }
      return undefined;
    });
    const run = await readFake(fake, { user_numbers: "full_refresh" });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(checkpointViolations(run.messages, ["user_numbers"]), []);
    const warnings = ofType(run.messages, "LOG")
      .filter((m) => m.log!.level === "WARN");
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(
      warnings[0].log!.message,
      new RegExp(`/v2/users/${deleted.id}/numbers answered 404`),
    );
    const expected = fakePairs(fake); // the deleted user is gone from the fake
    assert.ok(expected.every((pair) => !pair.startsWith(`${deleted.id}/`)));
    assert.deepEqual(
      emittedPairs(recordsByStream(run.messages).get("user_numbers")),
      expected,
    );
  });

  it("ends INCOMPLETE on any other refusal", async () => {
    fake = await startFake({ counts: { users: 30 } });
    const victim = fake.data.users[5].id;
    fake.interceptors.push((request) =>
      request.path === `/v2/users/${victim}/numbers`
        ? { status: 400, body: { error: "Invalid", troubleshoot: "No" } }
        : undefined
    );
    const run = await readFake(fake, { user_numbers: "full_refresh" });
    assert.equal(run.code, 1);
    const [error] = ofType(run.messages, "TRACE", "ERROR");
    assert.match(error.trace!.error!.message, /HTTP 400/);
    const statuses = ofType(run.messages, "TRACE", "STREAM_STATUS")
      .map((m) => m.trace!.stream_status!.status);
    assert.equal(statuses.at(-1), "INCOMPLETE");
  });

  it("sends every request through the run's scheduler, a few users at a time", async () => {
    fake = await startFake({ counts: { users: 40 } });
    let inFlight = 0;
    let most = 0;
    fake.interceptors.push(async (request) => {
      if (!request.path.endsWith("/numbers")) return undefined;
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return undefined;
    });
    const scheduler = new CountingScheduler(100_000);
    const events = await readInProcess(fake, userNumbers, "full_refresh", {
      now: Math.floor(Date.now() / 1000),
      scheduler,
    });
    assert.equal(scheduler.taken, fake.requests.length);
    assert.equal(fake.requests.length, minimumRequests(fake));
    assert.ok(most > 1 && most <= 4, `${most} users' lists at once`);
    const records = events.flatMap((e) =>
      e.kind === "records" ? e.records : []
    );
    assert.deepEqual(emittedPairs(records), fakePairs(fake));
    assert.deepEqual(events.at(-1), { kind: "checkpoint", state: {} });
  });
});
