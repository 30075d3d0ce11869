/**
 * A faithful fake of the Aircall REST API for tests: deterministic data and an HTTP server.
 *
 * @example
 * ```ts
 * const fake = await FakeAircall.start({ counts: { calls: 300 } });
 * // ... point the connector at fake.url with fake.apiId / fake.apiToken ...
 * await fake.close();
 * ```
 *
 * @module
 */

export * from "./ai.ts";
export * from "./data.ts";
export * from "./server.ts";
