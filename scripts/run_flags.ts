/**
 * The flags the connector runs with: the one source of truth
 * for `deno run`, `deno compile`, the Docker entrypoint, the tests and the
 * benchmark.
 *
 * @module
 */

/** Network (the Aircall API), read (input files, npm dependencies), env (`AIRCALL_API_URL`). */
export const CLI_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-env",
];

/**
 * V8 heap sizing that keeps a long sync's memory flat. Left to itself, V8
 * grows the young generation and lets the old one fill several times over
 * between collections during a long read, though the connector holds only
 * the pages in hand (about 12 MB live): 2 MB semi-spaces and old-generation
 * growth of 50% hold the peak near 90 MB at 200,000 calls instead of about
 * 195 MB, for about 4% in speed (BENCHMARKS.md).
 */
export const V8_FLAGS =
  "--v8-flags=--max-semi-space-size=2,--heap-growing-percent=50";

/** What `deno run` and `deno compile` take to run the connector. */
export const RUN_FLAGS: readonly string[] = [...CLI_PERMISSIONS, V8_FLAGS];

/**
 * What `deno compile` bakes into the binary: the run flags, and write
 * access for `sync`'s database, whose path is known only when it runs
 * (`--db`). `read` writes nothing; `deno run` grants `sync` its one file
 * (`--allow-write=aircall.sqlite`).
 */
export const COMPILE_FLAGS: readonly string[] = [...RUN_FLAGS, "--allow-write"];
