/**
 * GC paced by the read: a full collection every few thousand records
 * written, with V8's own `gc` found without flags.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import {
  GcPacer,
  RECORDS_PER_COLLECTION,
  YOUNG_GENERATION_LIMIT,
} from "../src/gc_pacer.ts";

describe("GcPacer", () => {
  it("collects once every RECORDS_PER_COLLECTION records", () => {
    let collections = 0;
    const pacer = new GcPacer(
      100,
      () => collections++,
      () => YOUNG_GENERATION_LIMIT + 1,
    );
    for (let page = 0; page < 21; page++) pacer.records(50);
    // 1,050 records: ten collections.
    assert.equal(collections, 10);
    assert.ok(RECORDS_PER_COLLECTION >= 1_000, "between pages, not per page");
  });

  it("does not collect while the young generation is small (the V8 flags hold it)", () => {
    let collections = 0;
    let young = YOUNG_GENERATION_LIMIT;
    const pacer = new GcPacer(100, () => collections++, () => young);
    for (let page = 0; page < 20; page++) pacer.records(50);
    assert.equal(collections, 0);
    young *= 4; // V8 grew it by itself
    for (let page = 0; page < 2; page++) pacer.records(50);
    assert.equal(collections, 1);
  });

  it("finds V8's gc without --expose-gc on the command line, and collects", () => {
    const pacer = new GcPacer(1);
    assert.equal(pacer.active, true);
    pacer.records(1);
  });

  // Under Node 20 (V8 11.3) `gc({ type: "major" })` is a minor collection,
  // which leaves the old generation as it is: this fails there.
  it("reclaims the old generation, not only the young one", async () => {
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    v8.setFlagsFromString("--expose-gc");
    const scavenge = () => vm.runInNewContext("gc")({ type: "minor" });
    let held: number[] | undefined = new Array(10_000).fill(1);
    const ref = new WeakRef(held);
    await tick();
    // Two minor collections move what survives them to the old generation.
    scavenge();
    scavenge();
    held = undefined;
    await tick();
    new GcPacer(1, undefined, () => Infinity).records(1);
    assert.equal(ref.deref(), undefined);
  });

  it("does nothing where no collector can be had", () => {
    const pacer = new GcPacer(1, null);
    assert.equal(pacer.active, false);
    pacer.records(10);
  });
});
