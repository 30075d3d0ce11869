/**
 * GC paced by the read: a minor collection every few thousand records
 * written, with V8's own `gc` found without flags.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  GcPacer,
  MINOR_PER_MAJOR,
  RECORDS_PER_COLLECTION,
  YOUNG_GENERATION_LIMIT,
} from "../src/gc_pacer.ts";

describe("GcPacer", () => {
  it("collects once every RECORDS_PER_COLLECTION records, fully every MINOR_PER_MAJOR-th time", () => {
    const calls: string[] = [];
    const pacer = new GcPacer(
      100,
      (options) => calls.push(options.type),
      () => YOUNG_GENERATION_LIMIT + 1,
    );
    for (let page = 0; page < 21; page++) pacer.records(50);
    // 1,050 records: ten collections, every MINOR_PER_MAJOR-th a full one.
    assert.equal(MINOR_PER_MAJOR, 5);
    assert.deepEqual(calls, [
      ...["minor", "minor", "minor", "minor", "major"],
      ...["minor", "minor", "minor", "minor", "major"],
    ]);
    assert.ok(RECORDS_PER_COLLECTION >= 1_000, "between pages, not per page");
  });

  it("does not collect while the young generation is small (the V8 flags hold it)", () => {
    const calls: string[] = [];
    let young = YOUNG_GENERATION_LIMIT;
    const pacer = new GcPacer(100, (o) => calls.push(o.type), () => young);
    for (let page = 0; page < 20; page++) pacer.records(50);
    assert.deepEqual(calls, []);
    young *= 4; // V8 grew it by itself
    for (let page = 0; page < 2; page++) pacer.records(50);
    assert.deepEqual(calls, ["minor"]);
  });

  it("finds V8's gc without --expose-gc on the command line, and collects", () => {
    const pacer = new GcPacer(1);
    assert.equal(pacer.active, true);
    pacer.records(1);
  });

  it('its full collections reclaim the old generation (Node 20 reads { type: "major" } as minor)', async () => {
    const pacer = new GcPacer(1, undefined, () => Infinity);
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    let held: number[] | undefined = new Array(10_000).fill(1);
    const ref = new WeakRef(held);
    await tick();
    // Two minor collections move what survives them to the old generation.
    pacer.records(1);
    pacer.records(1);
    held = undefined;
    await tick();
    pacer.records(1);
    pacer.records(1);
    pacer.records(1); // the MINOR_PER_MAJOR-th: a full collection
    assert.equal(ref.deref(), undefined);
  });

  it("does nothing where no collector can be had", () => {
    const pacer = new GcPacer(1, null);
    assert.equal(pacer.active, false);
    pacer.records(10);
  });
});
