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

/**
 * A virtual clock with a timer queue: each sleep wakes at its own due time,
 * the earliest first, a macrotask later (so callers released before it see
 * the time they were released at). `overshoots` make the first wakes late,
 * as timers are behind a busy event loop.
 */
function timerClock(overshoots: number[] = []) {
  let time = 0;
  const timers: { at: number; wake: () => void }[] = [];
  const fire = () => {
    timers.sort((a, b) => a.at - b.at);
    const timer = timers.shift()!;
    time = Math.max(time, timer.at) + (overshoots.shift() ?? 0);
    timer.wake();
  };
  return {
    now: () => time,
    sleep: (ms: number) =>
      new Promise<void>((wake) => {
        timers.push({ at: time + ms, wake });
        setTimeout(fire, 0);
      }),
  };
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

  it("gives concurrent callers distinct slots, in the order they asked", async () => {
    const clock = timerClock();
    const scheduler = new Scheduler(60, clock);
    const order: [number, number][] = [];
    await Promise.all(
      [0, 1, 2].map((caller) =>
        scheduler.take().then(() => order.push([caller, clock.now()]))
      ),
    );
    assert.deepEqual(
      order.map(([caller, time]) => [caller, Math.round(time)]),
      [[0, 0], [1, 1005], [2, 2010]],
    );
  });

  it("spaces the next request from a late start, so none bunch after it", async () => {
    // The first wait overshoots by 300 ms, as a timer does behind a busy event loop.
    const clock = timerClock([300]);
    const scheduler = new Scheduler(600, clock);
    const times: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(() =>
        scheduler.take().then(() => times.push(clock.now()))
      ),
    );
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps.every((gap) => gap >= 100), `gaps ${gaps}`);
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
