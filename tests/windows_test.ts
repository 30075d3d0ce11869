import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitRange } from "../src/aircall/windows.ts";

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
