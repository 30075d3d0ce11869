/**
 * The permissions the connector needs, and no more: the one source of truth
 * for `deno run`, `deno compile`, the Docker entrypoint and the tests.
 *
 * @module
 */

/** Network (the Aircall API), read (input files, npm dependencies), env (`AIRCALL_API_URL`). */
export const CLI_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-env",
];
