import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Scheduler } from "../src/aircall/scheduler.ts";

/** A virtual clock: sleeping advances time, nothing waits for real. */
function virtualClock() {
  let time = 0;
  const clock = {
    now: () => time,
    sleep: (ms: number) => {
      time += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

/** Start times of `count` sequential requests through `scheduler`. */
async function starts(
  scheduler: Scheduler,
  clock: { now: () => number },
  count: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await scheduler.take();
    times.push(clock.now());
  }
  return times;
}

function maxInAnyMinute(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 60_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("Scheduler", () => {
  it("spreads requests evenly: one every 60 s / N, never N+1 in a minute", async () => {
    const clock = virtualClock();
    const times = await starts(new Scheduler(120, clock), clock, 500);
    assert.equal(times[0], 0, "the first request goes at once");
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps.every((gap) => gap >= 500 && gap < 510), `${gaps[0]}`);
    assert.ok(maxInAnyMinute(times) <= 120);
    // Near the theoretical minimum: 500 requests at 120/min.
    assert.ok(times.at(-1)! <= (499 / 120) * 60_000 * 1.01);
  });

  it("gives concurrent callers distinct slots", async () => {
    const sleeps: number[] = [];
    // Time stands still: each caller's wait shows the slot it claimed.
    const scheduler = new Scheduler(60, {
      now: () => 0,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    await Promise.all([0, 1, 2].map(() => scheduler.take()));
    assert.deepEqual(sleeps.map(Math.round), [1005, 2010]);
  });

  it("holds every request during a pause", async () => {
    const clock = virtualClock();
    const scheduler = new Scheduler(6000, clock);
    await scheduler.take();
    scheduler.pause(42_000);
    await scheduler.take();
    assert.ok(clock.now() >= 42_000);
  });

  it("lowers its pace to a reported limit, never raises it", async () => {
    const clock = virtualClock();
    const scheduler = new Scheduler(600, clock);
    scheduler.lowerTo(60);
    scheduler.lowerTo(6000);
    assert.equal(scheduler.perMinute, 60);
    const times = await starts(scheduler, clock, 3);
    assert.ok(times[2] - times[1] >= 1000);
  });

  it("does not pace without a limit", async () => {
    const clock = virtualClock();
    const times = await starts(new Scheduler(Infinity, clock), clock, 100);
    assert.equal(times.at(-1), 0);
  });
});
