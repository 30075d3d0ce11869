/**
 * `deno task bench`: the connector measured against the fake Aircall API,
 * each figure beside a reference taken in the same run.
 *
 * 1. Throughput: a full refresh of 200,000 calls vs a minimal script that
 *    requests the same pages (the connector's own requests, expansion flags
 *    included) one after another and writes JSON lines; the same under Node
 *    (the npm build vs the floor script under Node).
 * 2. Memory: peak RSS of that read at 20,000 and at 200,000 calls, with
 *    the connector's V8 flags, without them, and as the npm build under
 *    Node (which cannot pass them; the median of three rounds at each size).
 * 3. Requests: a full sync of every stream vs the minimum; an
 *    incremental sync with nothing new.
 * 4. Paced wall time: 300 pages under a server limit of N per minute.
 * 5. Conversation Intelligence: the requests of a first sync of each of the
 *    nine per-call streams vs eligible calls plus calls list pages; the wall
 *    time of a 2,000-call fan-out at a high limit with 100 ms of latency vs
 *    the same requests one at a time.
 * 6. Start-up: `spec` under `deno run` and under Node vs empty scripts.
 * 7. Sync: 200,000 calls synced into SQLite vs `read` of the same calls to
 *    /dev/null, side by side in each round: wall time, peak memory, and the
 *    database's size vs the records as JSON lines.
 *
 * Prints a Markdown table (copy it into BENCHMARKS.md). Builds the npm
 * package first, for the Node figures. `--only sync` (or any comma-separated
 * list of throughput, memory, requests, paced, per-call, start-up, sync)
 * runs just those sections: `deno task bench --only sync`.
 *
 * @module
 */

import { CLI_PERMISSIONS, RUN_FLAGS } from "./run_flags.ts";
import { calls } from "../src/streams/calls.ts";
import { CONVERSATION_INTELLIGENCE } from "../src/streams/conversation_intelligence.ts";
import {
  aiEligible,
  CALLS_HISTORY_SECONDS,
  type FakeAiName,
  FakeAircall,
  type FakeAircallOptions,
} from "../tests/fake_aircall/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CREDENTIALS = { api_id: "bench-id", api_token: "bench-token" };
const dir = await Deno.makeTempDir({ prefix: "source-aircall-bench-" });
const CONNECTOR = [Deno.execPath(), "run", ...RUN_FLAGS, `${ROOT}mod.ts`];
/** The npm build under Node, built fresh below so it is this code's. */
const NODE_CONNECTOR = ["node", `${ROOT}npm/bin/source-aircall.mjs`];
const FLOOR = `${ROOT}scripts/bench_floor.mjs`;
/** The connector without its V8 flags, for reference. */
const DEFAULT_HEAP = [
  Deno.execPath(),
  "run",
  ...CLI_PERMISSIONS,
  `${ROOT}mod.ts`,
];

/** What one measured run took. */
interface Measure {
  code: number;
  seconds: number;
  peakRssMb: number;
}

// Python's rusage gives the child's own peak RSS, whatever runtime it is.
const MEASURE_PY = `
import json, resource, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    start = time.perf_counter()
    code = subprocess.run(sys.argv[2:], stdout=out).returncode
    seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "seconds": seconds, "peakRssMb": rss / 1024}))
`;

/** Runs `command` with stdout to `stdoutPath`; wall time and peak RSS. */
async function measure(
  command: string[],
  env: Record<string, string>,
  stdoutPath = `${dir}/stdout`,
): Promise<Measure> {
  const { stdout, code } = await new Deno.Command("python3", {
    args: ["-c", MEASURE_PY, stdoutPath, ...command],
    env,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`measuring ${command.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

async function writeInputs(
  streams: Record<string, "full_refresh" | "incremental">,
  config: Record<string, unknown> = {},
): Promise<string[]> {
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({
      ...CREDENTIALS,
      start_date: "2020-01-01T00:00:00Z",
      max_requests_per_minute: 100_000,
      ...config,
    }),
  );
  await Deno.writeTextFile(
    `${dir}/catalog.json`,
    JSON.stringify({
      streams: Object.entries(streams).map(([name, sync_mode]) => ({
        stream: { name },
        sync_mode,
        destination_sync_mode: "append",
      })),
    }),
  );
  return ["--config", `${dir}/config.json`, "--catalog", `${dir}/catalog.json`];
}

async function startFake(
  counts: Record<string, number>,
  options: Pick<FakeAircallOptions, "faults" | "now"> = {},
): Promise<FakeAircall> {
  return await FakeAircall.start({
    apiId: CREDENTIALS.api_id,
    apiToken: CREDENTIALS.api_token,
    counts,
    ...options,
  });
}

/** Counts the RECORD lines a run wrote. */
async function countRecords(path: string): Promise<number> {
  let count = 0;
  let rest = "";
  const decoder = new TextDecoder();
  using file = await Deno.open(path);
  for await (const chunk of file.readable) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line.startsWith('{"type":"RECORD"')) count++;
  }
  return count;
}

/**
 * `--only NAME[,NAME]` runs just those sections (the whole bench takes
 * about 9 minutes): throughput, memory, requests, paced, per-call, start-up,
 * sync.
 */
const only = Deno.args.includes("--only")
  ? Deno.args[Deno.args.indexOf("--only") + 1]?.split(",")
  : undefined;
function runs(section: string): boolean {
  return only === undefined || only.includes(section);
}

if (runs("throughput") || runs("memory") || runs("start-up")) {
  console.error("Building the npm package for the Node figures...");
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["task", "build:npm"],
    cwd: ROOT,
    stdout: "null",
  }).output();
  if (!build.success) throw new Error("deno task build:npm failed");
}

const rows: string[][] = [];
function row(
  what: string,
  measured: string,
  reference: string,
  ratio: string,
  target: string,
) {
  rows.push([what, measured, reference, ratio, target]);
  console.error(
    `  ${what}: ${measured} vs ${reference} -> ${ratio} (${target})`,
  );
}
const fmt = (n: number, digits = 2) => n.toFixed(digits);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// 1 and 2: throughput and memory. Each round runs the connector, then the
// floor; the ratio is the median of the rounds' ratios, so a machine whose
// speed drifts (a shared VM's does, by 10% and more) compares like with like.
const ROUNDS = 3;
if (runs("throughput") || runs("memory")) {
  console.error("1 and 2. Throughput and memory (200,000 calls)...");
  const fake = await startFake({ calls: 200_000 });
  const env = { AIRCALL_API_URL: fake.url };
  const args = await writeInputs({ calls: "full_refresh" });
  /** Peak RSS of the connector's runs at 200,000 calls, with its flags. */
  const bigRuns: number[] = [];
  if (runs("throughput")) {
    const connector: Measure[] = [];
    const floor: Measure[] = [];
    let urls = "";
    const floorArgs = [`${dir}/urls`, "calls"];
    const floorEnv = {
      ...env,
      BENCH_CREDENTIALS: `${CREDENTIALS.api_id}:${CREDENTIALS.api_token}`,
    };
    for (let round = 0; round < ROUNDS; round++) {
      fake.requests.length = 0;
      connector.push(await measure([...CONNECTOR, "read", ...args], env));
      if (round === 0) {
        const records = await countRecords(`${dir}/stdout`);
        if (records !== fake.visibleCallIds().length) {
          throw new Error(`connector read ${records} calls`);
        }
        // The floor reads the very pages the connector read: calls with
        // their contact, IVR path and AI voice agents embedded.
        const expanded = Object.entries(calls.query ?? {});
        if (
          expanded.length === 0 ||
          fake.requests.some((r) =>
            expanded.some(([flag, value]) => r.query[flag] !== String(value))
          )
        ) {
          throw new Error("a calls request lacks the expansion flags");
        }
        urls = fake.requests.map((r) =>
          `${fake.url}${r.path}?${new URLSearchParams(r.query)}`
        ).join("\n");
        await Deno.writeTextFile(`${dir}/urls`, urls);
      }
      // The floor runs with V8's default heap sizing: the runtime's floor,
      // not tuned as the connector is.
      floor.push(
        await measure(
          [Deno.execPath(), "run", ...CLI_PERMISSIONS, FLOOR, ...floorArgs],
          floorEnv,
        ),
      );
    }
    const seconds = (runs: Measure[]) => runs.map((r) => r.seconds);
    row(
      `Full refresh of 200,000 calls (wall time, median of ${ROUNDS} rounds)`,
      `${fmt(median(seconds(connector)))} s`,
      `${fmt(median(seconds(floor)))} s (floor script, same ${
        urls.split("\n").length
      } pages, one after another)`,
      `${fmt(median(connector.map((c, i) => c.seconds / floor[i].seconds)))}x`,
      "<= 1.0x",
    );
    bigRuns.push(...connector.map((r) => r.peakRssMb));
    // Under Node, the npm build against the same floor script.
    const node = await measure([...NODE_CONNECTOR, "read", ...args], env);
    const nodeFloor = await measure(["node", FLOOR, ...floorArgs], floorEnv);
    row(
      "Full refresh of 200,000 calls under Node, npm build (one run each)",
      `${fmt(node.seconds)} s, ${fmt(node.peakRssMb, 0)} MB peak`,
      `${fmt(nodeFloor.seconds)} s (floor script under Node)`,
      `${fmt(node.seconds / nodeFloor.seconds)}x`,
      "(reported)",
    );
  }
  if (runs("memory")) {
    if (bigRuns.length === 0) {
      const run = await measure([...CONNECTOR, "read", ...args], env);
      if (run.code !== 0) throw new Error("read of 200,000 calls failed");
      bigRuns.push(run.peakRssMb);
    }
    const big = Math.max(...bigRuns);
    // The same read without the V8 flags: how the npm build runs under
    // Node, which cannot pass them.
    const bigDefault = await measure([...DEFAULT_HEAP, "read", ...args], env);
    const nodePeaks = async (env: Record<string, string>) => {
      const peaks: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const run = await measure([...NODE_CONNECTOR, "read", ...args], env);
        if (run.code !== 0) throw new Error("the npm build's read failed");
        peaks.push(run.peakRssMb);
      }
      return peaks;
    };
    const bigNode = await nodePeaks(env);
    await fake.close();

    const small = await startFake({ calls: 20_000 });
    const smallEnv = { AIRCALL_API_URL: small.url };
    const smallRun = await measure([...CONNECTOR, "read", ...args], smallEnv);
    const smallDefault = await measure(
      [...DEFAULT_HEAP, "read", ...args],
      smallEnv,
    );
    const smallNode = await nodePeaks(smallEnv);
    await small.close();
    row(
      "Peak RSS, full refresh of 200,000 calls",
      `${fmt(big, 0)} MB`,
      `${fmt(smallRun.peakRssMb, 0)} MB at 20,000 calls`,
      `${fmt(big / smallRun.peakRssMb)}x`,
      "<= 1.2x",
    );
    row(
      "Peak RSS, the same without the V8 flags (V8's default heap sizing)",
      `${fmt(bigDefault.peakRssMb, 0)} MB`,
      `${fmt(smallDefault.peakRssMb, 0)} MB at 20,000 calls`,
      `${fmt(bigDefault.peakRssMb / smallDefault.peakRssMb)}x`,
      "<= 1.2x",
    );
    row(
      `Peak RSS, npm build under Node, 20,000 vs 200,000 calls (median of ${ROUNDS} rounds each)`,
      `${fmt(median(bigNode), 0)} MB (${
        bigNode.map((mb) => fmt(mb, 0)).join(", ")
      })`,
      `${fmt(median(smallNode), 0)} MB at 20,000 calls (${
        smallNode.map((mb) => fmt(mb, 0)).join(", ")
      })`,
      `${fmt(median(bigNode) / median(smallNode))}x`,
      "<= 1.2x",
    );
  } else {
    await fake.close();
  }
}

// 3: requests.
if (runs("requests")) {
  console.error("3. Requests (every stream)...");
  // The account's last activity an hour ago: "nothing new" below means
  // nothing in the hour before the incremental sync, as between hourly syncs.
  const fake = await startFake({ calls: 60_000, contacts: 30_000 }, {
    now: Math.floor(Date.now() / 1000) - 3600,
  });
  const env = { AIRCALL_API_URL: fake.url };
  const streams = {
    calls: "incremental",
    company: "full_refresh",
    contacts: "incremental",
    numbers: "full_refresh",
    tags: "full_refresh",
    teams: "full_refresh",
    user_availability: "full_refresh",
    user_numbers: "full_refresh",
    users: "full_refresh",
    webhooks: "full_refresh",
  } as const;
  const args = await writeInputs(streams);
  // Every checkpoint written (no minute between two STATEs), so each STATE
  // of a windowed stream is one window below.
  const run = await measure([...CONNECTOR, "read", ...args], {
    ...env,
    AIRCALL_STATE_INTERVAL_SECONDS: "0",
  });
  if (run.code !== 0) throw new Error("full sync failed");
  const output = await Deno.readTextFile(`${dir}/stdout`);
  const states = output.split("\n").filter((l) =>
    l.startsWith('{"type":"STATE"')
  );
  const made = fake.requests.length;
  const { data } = fake;
  const pages = (n: number) => Math.ceil(n / 50);
  // user_numbers: the users pages, then every page of each user's numbers
  // (one at least, even when empty).
  const userNumbers = pages(data.users.length) +
    data.users.reduce(
      (sum, user) => sum + Math.max(1, pages(data.userNumbers[user.id].length)),
      0,
    );
  // Snapshot lists: their pages; company: one request. Windowed streams:
  // their pages plus one count probe per window (each STATE is a window).
  const windows = states.filter((l) =>
    /"name":"(calls|contacts)"/.test(l)
  ).length;
  const minimum = pages(fake.visibleCallIds().length) +
    pages(data.contacts.length) +
    pages(data.numbers.length) + pages(data.tags.length) +
    pages(data.teams.length) +
    pages(data.availabilities.length) + pages(data.users.length) +
    pages(data.webhooks.length) + 1 + windows + userNumbers;
  row(
    "Requests, full sync of every stream (60,000 calls, 30,000 contacts)",
    `${made}`,
    `${minimum} minimum`,
    `${fmt(made / minimum, 3)}x`,
    "<= 1.05x",
  );
  // Incremental with nothing new: the last state of the run above.
  const lastState = new Map<string, string>();
  for (const line of states) {
    lastState.set(JSON.parse(line).state.stream.stream_descriptor.name, line);
  }
  await Deno.writeTextFile(
    `${dir}/state.json`,
    `[${
      [...lastState.values()].map((l) => JSON.stringify(JSON.parse(l).state))
        .join(",")
    }]`,
  );
  const incrementalArgs = await writeInputs(streams, {
    calls_lookback_hours: 0,
  });
  fake.requests.length = 0;
  await measure([
    ...CONNECTOR,
    "read",
    ...incrementalArgs,
    "--state",
    `${dir}/state.json`,
  ], env);
  const per = (path: string) =>
    fake.requests.filter((r) => r.path === path).length;
  const snapshotExpected = pages(data.numbers.length) +
    pages(data.tags.length) +
    pages(data.teams.length) + pages(data.availabilities.length) +
    pages(data.users.length) + pages(data.webhooks.length) + 1 +
    userNumbers;
  const snapshotMade = fake.requests.length - per("/v1/calls") -
    per("/v1/contacts");
  row(
    "Requests, incremental sync with nothing new (in the last hour)",
    `calls ${per("/v1/calls")}, contacts ${
      per("/v1/contacts")
    }, snapshots ${snapshotMade}`,
    `snapshots: ${snapshotExpected} (one pass)`,
    snapshotMade === snapshotExpected
      ? "1.00x"
      : `${fmt(snapshotMade / snapshotExpected)}x`,
    "<= 2 per incremental stream, one pass per snapshot",
  );
  await fake.close();
}

// 4: paced wall time under a real per-minute limit.
// Below what 300 requests in a burst would need, so a connector that did not
// pace would meet 429s (and their 60 s blocks) within the first minute.
const PER_MINUTE = 240;
if (runs("paced")) {
  console.error(
    `4. Paced sync, about 300 pages at ${PER_MINUTE} requests per minute (about 75 s)...`,
  );
  const fake = await startFake(
    {
      calls: 15_400,
      contacts: 0,
      users: 0,
      numbers: 0,
      teams: 0,
      tags: 0,
      webhooks: 0,
    },
    {
      faults: {
        rateLimit: { limit: PER_MINUTE, windowMs: 60_000, blockMs: 60_000 },
      },
    },
  );
  const args = await writeInputs({ calls: "full_refresh" }, {
    max_requests_per_minute: PER_MINUTE,
  });
  const run = await measure([...CONNECTOR, "read", ...args], {
    AIRCALL_API_URL: fake.url,
  });
  const made = fake.requests.length;
  const minimum = ((made - 1) / PER_MINUTE) * 60;
  row(
    `Paced sync: ${made} pages at ${PER_MINUTE}/min, ${fake.stats.rateLimited} 429s`,
    `${fmt(run.seconds)} s`,
    `${fmt(minimum)} s = (requests - 1) / N`,
    `${fmt(run.seconds / minimum, 3)}x`,
    "<= 1.05x, zero 429s",
  );
  await fake.close();
}

// 5: Conversation Intelligence: what a first sync of each per-call stream
// costs in requests, and what concurrency gains a fan-out when the limit is
// high and the API far away.
if (runs("per-call")) {
  console.error(
    "5. Conversation Intelligence: a first sync of the nine streams, and a 2,000-call fan-out at 100 ms latency (about 4 minutes)...",
  );
  // Calls that all ended over an hour ago: every one a sync may ask about.
  const settled = Math.floor(Date.now() / 1000) - 2 * 3600;
  const fake = await startFake({ calls: 3_000, contacts: 0 }, {
    now: settled,
  });
  const streams = Object.fromEntries(
    CONVERSATION_INTELLIGENCE.map((stream) => [stream.name, "incremental"]),
  ) as Record<string, "incremental">;
  const args = await writeInputs(streams);
  const run = await measure([...CONNECTOR, "read", ...args], {
    AIRCALL_API_URL: fake.url,
  });
  if (run.code !== 0) throw new Error("Conversation Intelligence sync failed");
  // The nine list the calls once together (the run's shared calls index),
  // then each asks its eligible calls: the least a first sync can make is
  // one listing plus every eligible call of every stream.
  const listed = fake.data.calls.filter((call) =>
    call.started_at >= fake.now - CALLS_HISTORY_SECONDS
  );
  const listPages = Math.ceil(listed.length / 50);
  const minimum = listPages +
    CONVERSATION_INTELLIGENCE.reduce((sum, stream) => {
      const resource = stream.path.split("/").at(-1) as FakeAiName;
      return sum + listed.filter((call) => aiEligible(call, resource)).length;
    }, 0);
  const made = fake.requests.length;
  row(
    "Requests, first sync of the nine Conversation Intelligence streams together (3,000 calls)",
    `${made}`,
    `${minimum} = one calls listing + each stream's eligible calls`,
    `${fmt(made / minimum, 3)}x`,
    "<= 1.05x",
  );
  await fake.close();

  const FAN_OUT = 2_000;
  const far = await startFake({ calls: 4_400, contacts: 0 }, {
    now: settled,
    faults: { latencyMs: 100 },
  });
  const env = { AIRCALL_API_URL: far.url };
  const fanOutArgs = await writeInputs({ call_transcriptions: "incremental" }, {
    ai_max_requests_per_sync: FAN_OUT,
  });
  const connector = await measure([...CONNECTOR, "read", ...fanOutArgs], env);
  const questions = far.requests.filter((r) => r.path.startsWith("/v1/calls/"));
  if (connector.code !== 0 || questions.length !== FAN_OUT) {
    throw new Error(`fan-out asked ${questions.length} calls`);
  }
  // The same requests, lists and questions, one at a time.
  await Deno.writeTextFile(
    `${dir}/urls`,
    far.requests.map((r) =>
      `${far.url}${r.path}?${new URLSearchParams(r.query)}`
    ).join("\n"),
  );
  const sequential = await measure(
    [Deno.execPath(), "run", ...CLI_PERMISSIONS, FLOOR, `${dir}/urls`, "calls"],
    {
      ...env,
      BENCH_CREDENTIALS: `${CREDENTIALS.api_id}:${CREDENTIALS.api_token}`,
    },
  );
  row(
    `Fan-out of ${FAN_OUT} calls at 100 ms latency, 100,000/min (wall time)`,
    `${fmt(connector.seconds)} s`,
    `${
      fmt(sequential.seconds)
    } s (the same ${far.requests.length} requests one at a time)`,
    `${fmt(connector.seconds / sequential.seconds)}x`,
    "<= 0.3x",
  );
  await far.close();
}

// 6: start-up.
if (runs("start-up")) {
  console.error("6. Start-up...");
  const empty = `${dir}/empty.mjs`;
  await Deno.writeTextFile(empty, "");
  const medianOf9 = async (command: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      times.push((await measure(command, {})).seconds);
    }
    return median(times);
  };
  for (
    const [runtime, connector, emptyScript] of [
      ["deno run", CONNECTOR, [Deno.execPath(), "run", empty]],
      ["Node, npm build", NODE_CONNECTOR, ["node", empty]],
    ] as const
  ) {
    const spec = await medianOf9([...connector, "spec"]);
    const baseline = await medianOf9([...emptyScript]);
    row(
      `Start-up, \`spec\` under ${runtime} (median of 9)`,
      `${fmt(spec * 1000, 0)} ms`,
      `${fmt(baseline * 1000, 0)} ms empty script`,
      `${fmt(spec / baseline)}x`,
      "(reported)",
    );
  }
}

// 7: sync into SQLite, beside read to /dev/null, round by round.
if (runs("sync")) {
  console.error(
    "7. Sync of 200,000 calls into SQLite vs read to /dev/null (about 2 minutes)...",
  );
  const fake = await startFake({ calls: 200_000 });
  const env = { AIRCALL_API_URL: fake.url };
  const [, config] = await writeInputs({ calls: "full_refresh" });
  const db = `${dir}/bench.sqlite`;
  const syncCommand = [
    Deno.execPath(),
    "run",
    ...RUN_FLAGS,
    `--allow-write=${db}`,
    `${ROOT}mod.ts`,
    "sync",
    "--config",
    config,
    "--db",
    db,
    "--streams",
    "calls",
  ];
  const readCommand = [
    ...CONNECTOR,
    "read",
    "--config",
    config,
    "--streams",
    "calls",
  ];
  const reads: Measure[] = [];
  const syncs: Measure[] = [];
  const SYNC_ROUNDS = 3;
  for (let round = 0; round < SYNC_ROUNDS; round++) {
    reads.push(await measure(readCommand, env, "/dev/null"));
    await Deno.remove(db).catch(() => {});
    syncs.push(await measure(syncCommand, env));
    if (syncs.at(-1)!.code !== 0) throw new Error("sync failed");
  }
  // The same records as JSON lines: each record's data, one per line.
  await measure(readCommand, env, `${dir}/stdout`);
  let jsonBytes = 0;
  let records = 0;
  let rest = "";
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  {
    using file = await Deno.open(`${dir}/stdout`);
    for await (const chunk of file.readable) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split(
        "\n",
      );
      rest = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{"type":"RECORD"')) continue;
        records++;
        jsonBytes +=
          encoder.encode(JSON.stringify(JSON.parse(line).record.data)).length +
          1;
      }
    }
  }
  if (records !== fake.visibleCallIds().length) {
    throw new Error(`read ${records} calls`);
  }
  const dbBytes = (await Deno.stat(db)).size;
  await fake.close();
  const seconds = (runs: Measure[]) => runs.map((r) => r.seconds);
  row(
    `Sync of 200,000 calls into SQLite (wall time, median of ${SYNC_ROUNDS} rounds)`,
    `${fmt(median(seconds(syncs)))} s`,
    `${fmt(median(seconds(reads)))} s (read of the same calls to /dev/null)`,
    `${fmt(median(syncs.map((s, i) => s.seconds / reads[i].seconds)))}x`,
    "<= 1.5x",
  );
  const peak = (runs: Measure[]) => Math.max(...runs.map((r) => r.peakRssMb));
  row(
    "Peak RSS, sync of 200,000 calls into SQLite",
    `${fmt(peak(syncs), 0)} MB`,
    `${fmt(peak(reads), 0)} MB (read to /dev/null)`,
    `${fmt(peak(syncs) / peak(reads))}x`,
    "<= 1.3x",
  );
  row(
    "Database size, 200,000 calls",
    `${fmt(dbBytes / 1e6, 1)} MB`,
    `${fmt(jsonBytes / 1e6, 1)} MB (the same records as JSON lines)`,
    `${fmt(dbBytes / jsonBytes)}x`,
    "<= 1.0x",
  );
}

await Deno.remove(dir, { recursive: true });
const cpuinfo = await new Deno.Command("cat", { args: ["/proc/cpuinfo"] })
  .output();
const cpu = new TextDecoder().decode(cpuinfo.stdout)
  .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
const node = new TextDecoder().decode(
  (await new Deno.Command("node", { args: ["--version"] }).output()).stdout,
).trim();
console.log(
  `Measured ${
    new Date().toISOString().slice(0, 10)
  } on ${navigator.hardwareConcurrency} cores (${cpu}), Deno ${Deno.version.deno}, Node ${node}.\n`,
);
console.log("| measure | connector | reference | ratio | target |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
