/**
 * Garbage collection paced by the read itself, so a long sync's memory
 * stays flat where V8 flags cannot be passed (the npm build under Node,
 * `deno run` without `--v8-flags`).
 *
 * Every page read lives through a young-generation collection or two (it is
 * parsed, handed on, written), so V8 takes the young generation for one that
 * needs room: over 200,000 calls it doubled it from 2 to 32 MB, and each of
 * its scavenges promoted the pages in hand to the old generation (half a
 * megabyte or more each), which filled up to V8's limit before a full
 * collection: a peak near 210 MB under Deno though about 12 MB are live
 * (BENCHMARKS.md). A full collection every few thousand records, between
 * pages, returns the promoted pages: the peak stays flat at any length, for
 * a cost lost in the run's noise. Where the V8 flags hold the young
 * generation small already (`scripts/run_flags.ts`), collecting would only
 * cost time, so it happens only once V8 has grown the young generation past
 * {@linkcode YOUNG_GENERATION_LIMIT}. `gc` is V8's own, exposed through
 * `node:vm` (Deno and Node alike); where it cannot be had, nothing is
 * collected.
 *
 * @module
 */

import v8 from "node:v8";
import vm from "node:vm";

/** Records between two collections. */
export const RECORDS_PER_COLLECTION = 5_000;

/**
 * The young generation's size past which collections are paced: twice what
 * the V8 flags allow (semi-spaces of 2 MB), a quarter of what V8 grows it
 * to by itself.
 */
export const YOUNG_GENERATION_LIMIT = 8 * 1024 * 1024;

/** A full garbage collection, as V8's `gc()` makes one. */
export type CollectGarbage = () => void;

/** The bytes V8 gives its young generation now. */
function _youngGeneration(): number {
  return v8.getHeapSpaceStatistics()
    .find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/**
 * V8's `gc`, or `undefined` where the runtime does not give it. It is
 * called with no argument, the one form every runtime reads as a full
 * collection: Node 20's V8 (11.3) takes any object, `{ type: "major" }`
 * included, for its old `gc(true)`, a minor one.
 */
function _v8Gc(): CollectGarbage | undefined {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    return typeof gc === "function" ? () => gc() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Counts the records a read hands on and, once the young generation has
 * outgrown {@linkcode YOUNG_GENERATION_LIMIT}, runs a full collection every
 * {@linkcode RECORDS_PER_COLLECTION}.
 *
 * @example
 * ```ts
 * const pacer = new GcPacer();
 * pacer.records(50); // after each page written
 * ```
 */
export class GcPacer {
  #gc: CollectGarbage | null;
  #every: number;
  #youngGeneration: () => number;
  #since = 0;

  /**
   * Creates a pacer.
   *
   * @param every Records between two collections.
   * @param gc The collector (default V8's own; `null` where the runtime
   *   does not give it).
   * @param youngGeneration The young generation's size in bytes now (default
   *   V8's figure).
   */
  constructor(
    every: number = RECORDS_PER_COLLECTION,
    gc: CollectGarbage | null = _v8Gc() ?? null,
    youngGeneration: () => number = _youngGeneration,
  ) {
    this.#every = every;
    this.#gc = gc;
    this.#youngGeneration = youngGeneration;
  }

  /** Whether collections run (V8's `gc` was found). */
  get active(): boolean {
    return this.#gc !== null;
  }

  /**
   * Counts records handed on; collects once enough have passed.
   *
   * @param count Records just written.
   */
  records(count: number): void {
    this.#since += count;
    if (this.#since < this.#every || this.#gc === null) return;
    this.#since = 0;
    if (this.#youngGeneration() <= YOUNG_GENERATION_LIMIT) return;
    this.#gc();
  }
}
