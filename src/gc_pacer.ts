/**
 * Garbage collection paced by the read itself, so a long sync's memory
 * stays flat where V8 flags cannot be passed (the npm build under Node,
 * `deno run` without `--v8-flags`).
 *
 * Every page read lives through a young-generation collection or two (it is
 * parsed, handed on, written), so V8 takes the young generation for one that
 * needs room: over 200,000 calls it doubled it from 2 to 32 MB and let
 * promoted pages fill the old one to its limit, for a peak near 210 MB
 * though about 12 MB are live (BENCHMARKS.md). A minor collection every few
 * thousand records, between pages, empties the young generation while it
 * holds only garbage, and a full collection every 25,000 records returns
 * the promoted pages: the peak stays near 95 MB at any length, for a cost
 * lost in the run's noise. Where the V8 flags hold the young generation
 * small already (`scripts/run_flags.ts`), collecting would only cost time,
 * so it happens only once V8 has grown the young generation past
 * {@linkcode YOUNG_GENERATION_LIMIT}. `gc` is V8's own, exposed through
 * `node:vm` (Deno and Node alike); where it cannot be had, nothing is
 * collected.
 *
 * @module
 */

import v8 from "node:v8";
import vm from "node:vm";

/** Records between two minor collections. */
export const RECORDS_PER_COLLECTION = 5_000;

/**
 * Every this many collections is a full one: under Node, whose old
 * generation otherwise keeps the promoted pages of a long read.
 */
export const MINOR_PER_MAJOR = 5;

/**
 * The young generation's size past which collections are paced: twice what
 * the V8 flags allow (semi-spaces of 2 MB), a quarter of what V8 grows it
 * to by itself.
 */
export const YOUNG_GENERATION_LIMIT = 8 * 1024 * 1024;

/** V8's `gc` function, as `--expose-gc` provides it. */
export type CollectGarbage = (options: { type: "minor" | "major" }) => void;

/** The bytes V8 gives its young generation now. */
function _youngGeneration(): number {
  return v8.getHeapSpaceStatistics()
    .find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/**
 * V8's `gc`, or `undefined` where the runtime does not give it. A full
 * collection is asked for with no argument, the one form every runtime
 * reads as full: Node 20's V8 (11.3) takes any object, `{ type: "major" }`
 * included, for its old `gc(true)`, a minor collection. Deno's `gc` always
 * collects fully, whatever it is given.
 */
function _v8Gc(): CollectGarbage | undefined {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    if (typeof gc !== "function") return undefined;
    return ({ type }) => type === "major" ? gc() : gc({ type });
  } catch {
    return undefined;
  }
}

/**
 * Counts the records a read hands on and, once the young generation has
 * outgrown {@linkcode YOUNG_GENERATION_LIMIT}, runs a collection every
 * {@linkcode RECORDS_PER_COLLECTION}: a minor one, and a full one every
 * {@linkcode MINOR_PER_MAJOR}th time.
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
  #collections = 0;

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
    this.#collections++;
    this.#gc({
      type: this.#collections % MINOR_PER_MAJOR === 0 ? "major" : "minor",
    });
  }
}
