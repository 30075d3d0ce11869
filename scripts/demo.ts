/**
 * A demo sync: starts the bundled fake Aircall API, runs the connector's
 * `read` of every stream against it as a subprocess (with the documented
 * run flags), and prints a short summary for humans.
 *
 * Usage: `deno task demo`
 *
 * @module
 */

import { STREAMS } from "../mod.ts";
import { FakeAircall } from "../tests/fake_aircall/mod.ts";
import { RUN_FLAGS } from "./run_flags.ts";

const CREDENTIALS = { api_id: "demo-api-id", api_token: "demo-api-token" };
const fake = await FakeAircall.start({
  apiId: CREDENTIALS.api_id,
  apiToken: CREDENTIALS.api_token,
  // More calls than one query may list (10,000), to show the windowed read.
  counts: { calls: 15_000, contacts: 3_000 },
});

const dir = await Deno.makeTempDir({ prefix: "source-aircall-demo-" });
const config = `${dir}/config.json`;
const configured = `${dir}/catalog.json`;
await Deno.writeTextFile(
  config,
  JSON.stringify({
    ...CREDENTIALS,
    start_date: "2024-01-01T00:00:00Z",
    // The fake has no rate limit; a real account keeps the default of 60.
    max_requests_per_minute: 100000,
    // One request per call: a first sync of six months would ask thousands.
    ai_max_requests_per_sync: 200,
  }),
);
await Deno.writeTextFile(
  configured,
  JSON.stringify({
    // The per-call streams incrementally, where their budget applies.
    streams: STREAMS.map((stream) => {
      const sync_mode = stream.paging.kind === "per_call"
        ? "incremental"
        : "full_refresh";
      return {
        stream: { name: stream.name },
        sync_mode,
        destination_sync_mode: sync_mode === "incremental"
          ? "append_dedup"
          : "overwrite",
      };
    }),
  }),
);

console.log(`Fake Aircall API on ${fake.url}; syncing every stream...\n`);
const started = performance.now();
const child = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    ...RUN_FLAGS,
    new URL("../mod.ts", import.meta.url).pathname,
    "read",
    "--config",
    config,
    "--catalog",
    configured,
  ],
  env: { AIRCALL_API_URL: fake.url },
  stdout: "piped",
  stderr: "inherit",
}).spawn();

const records = new Map<string, number>();
const statuses = new Map<string, string>();
const errors: string[] = [];
let states = 0;
let lines = 0;
let buffered = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  buffered += decoder.decode(chunk, { stream: true });
  const parts = buffered.split("\n");
  buffered = parts.pop()!;
  for (const line of parts) {
    lines++;
    const message = JSON.parse(line);
    if (message.type === "RECORD") {
      const stream = message.record.stream;
      records.set(stream, (records.get(stream) ?? 0) + 1);
    } else if (message.type === "STATE") {
      states++;
    } else if (message.trace?.type === "STREAM_STATUS") {
      const status = message.trace.stream_status;
      statuses.set(status.stream_descriptor.name, status.status);
    } else if (message.trace?.type === "ERROR") {
      errors.push(message.trace.error.message);
    }
  }
}
const { code } = await child.status;
const seconds = (performance.now() - started) / 1000;
await fake.close();
await Deno.remove(dir, { recursive: true });

const width = Math.max(...[...statuses.keys()].map((name) => name.length));
console.log(`${"stream".padEnd(width)}  records  status`);
for (const [stream, status] of statuses) {
  console.log(
    `${stream.padEnd(width)} ${
      String(records.get(stream) ?? 0).padStart(8)
    }  ${status}`,
  );
}
const total = [...records.values()].reduce((a, b) => a + b, 0);
const pastCap =
  fake.requests.filter((request) =>
    Number(request.query.page ?? 1) * Number(request.query.per_page ?? 20) >
      10_000
  ).length;
console.log(
  `\n${total} records, ${states} states, ${lines} protocol messages in ${
    seconds.toFixed(1)
  } s; ${fake.requests.length} API requests, ${pastCap} past the 10,000-result cap; exit code ${code}.`,
);
for (const error of errors) console.log(`error: ${error}`);
Deno.exit(code === 0 && errors.length === 0 && pastCap === 0 ? 0 : 1);
