import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fanOut } from "../src/aircall/fanout.ts";

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Parents 0, 1, 2... as an async source that counts what was pulled. */
function source(count: number) {
  const pulled: number[] = [];
  async function* parents() {
    for (let i = 0; i < count; i++) {
      pulled.push(i);
      yield i;
    }
  }
  return { parents: parents(), pulled };
}

describe("fanOut", () => {
  it("yields results in the parents' order, whatever order they settle in", async () => {
    const waits = [30, 5, 20, 0, 10, 1, 15];
    const results: string[] = [];
    for await (
      const result of fanOut(
        waits.keys(),
        (i) =>
          new Promise<string>((resolve) =>
            setTimeout(() => resolve(`r${i}`), waits[i])
          ),
        3,
      )
    ) {
      results.push(result);
    }
    assert.deepEqual(results, waits.map((_, i) => `r${i}`));
  });

  it("keeps at most `concurrency` calls unsettled, and that many when it can", async () => {
    let unsettled = 0;
    let most = 0;
    const { parents } = source(20);
    const results: number[] = [];
    for await (
      const result of fanOut(parents, async (i) => {
        most = Math.max(most, ++unsettled);
        await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
        unsettled--;
        return i;
      }, 4)
    ) {
      results.push(result);
    }
    assert.equal(most, 4);
    assert.deepEqual(results, [...Array(20).keys()]);
  });

  it("pulls parents only as results are needed", async () => {
    const { parents, pulled } = source(1000);
    const results: number[] = [];
    for await (const result of fanOut(parents, (i) => Promise.resolve(i), 3)) {
      results.push(result);
      if (results.length === 5) break;
    }
    assert.deepEqual(results, [0, 1, 2, 3, 4]);
    assert.ok(pulled.length <= 5 + 3, `${pulled.length} pulled`);
  });

  it("throws a rejection in its turn, after the results before it, and gives up the rest", async () => {
    const signals: AbortSignal[] = [];
    const second = deferred<number>();
    const results: number[] = [];
    const run = (async () => {
      for await (
        const result of fanOut([0, 1, 2, 3], (i, signal) => {
          signals.push(signal);
          if (i === 1) return second.promise;
          return new Promise<number>((resolve) =>
            setTimeout(() => resolve(i), 5)
          );
        }, 4)
      ) {
        results.push(result);
      }
    })();
    await settle();
    second.reject(new Error("HTTP 500"));
    await assert.rejects(run, /HTTP 500/);
    assert.deepEqual(results, [0]);
    assert.equal(signals.length, 4);
    assert.ok(signals.every((signal) => signal.aborted), "the rest given up");
  });

  it("aborts the pending calls' signal when the caller stops", async () => {
    const signals: AbortSignal[] = [];
    const never = deferred<number>();
    const map = fanOut([0, 1, 2, 3, 4], (i, signal) => {
      signals.push(signal);
      return i === 0 ? Promise.resolve(0) : never.promise;
    }, 3);
    const first = await map.next();
    assert.deepEqual(first, { value: 0, done: false });
    assert.ok(signals.every((signal) => !signal.aborted));
    await map.return(undefined);
    assert.ok(signals.length >= 3);
    assert.ok(signals.every((signal) => signal.aborted));
  });

  it("passes on a failure of the parents' source", async () => {
    async function* failing() {
      yield 1;
      throw new Error("users list failed");
    }
    const map = fanOut(failing(), (i) => Promise.resolve(i), 2);
    await assert.rejects(async () => {
      for await (const _ of map) { /* drain */ }
    }, /users list failed/);
  });

  it("refuses a concurrency below 1", async () => {
    await assert.rejects(
      fanOut([1], (i) => Promise.resolve(i), 0).next(),
      RangeError,
    );
  });
});
