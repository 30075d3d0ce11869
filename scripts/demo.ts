/**
 * A demo of what `sync` is for: starts the bundled fake Aircall API, runs
 * the connector's `sync` against it as a subprocess (with the documented
 * flags: write access to the database file only), then prints the rows of
 * each table and the answers to three questions asked in SQL, with the
 * queries.
 *
 * Usage: `deno task demo`
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { FakeAircall } from "../tests/fake_aircall/mod.ts";
import { RUN_FLAGS } from "./run_flags.ts";

const CREDENTIALS = { api_id: "demo-api-id", api_token: "demo-api-token" };

/** Three questions a call centre asks, in SQL that sqlite3 and DuckDB read. */
export const QUESTIONS: readonly { question: string; sql: string }[] = [
  {
    question: "Inbound calls and answer rate per agent, last 7 days",
    sql:
      `SELECT coalesce(json_extract(user, '$.name'), '(missed: no agent)') AS agent,
       count(*) AS calls,
       round(100.0 * count(answered_at) / count(*), 1) AS answered_pct
FROM calls
WHERE direction = 'inbound' AND started_at >= unixepoch('now', '-7 days')
GROUP BY agent ORDER BY calls DESC LIMIT 5`,
  },
  {
    question: "Busiest hours of the day (UTC)",
    sql:
      `SELECT strftime('%H:00', started_at, 'unixepoch') AS hour, count(*) AS calls
FROM calls GROUP BY hour ORDER BY calls DESC LIMIT 5`,
  },
  {
    question: "Top tags on calls",
    sql: `SELECT json_extract(tag.value, '$.name') AS tag, count(*) AS calls
FROM calls, json_each(calls.tags) AS tag
GROUP BY tag ORDER BY calls DESC LIMIT 5`,
  },
];

/** Rows as an aligned text table. */
function _table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "(no rows)";
  const columns = Object.keys(rows[0]);
  const cells = [
    columns,
    ...rows.map((row) => columns.map((c) => String(row[c] ?? ""))),
  ];
  const widths = columns.map((_, i) =>
    Math.max(...cells.map((r) => r[i].length))
  );
  return cells.map((r) =>
    r.map((cell, i) =>
      typeof rows[0][columns[i]] === "number"
        ? cell.padStart(widths[i])
        : cell.padEnd(widths[i])
    ).join("  ").trimEnd()
  ).join("\n");
}

if (import.meta.main) {
  const fake = await FakeAircall.start({
    apiId: CREDENTIALS.api_id,
    apiToken: CREDENTIALS.api_token,
    // More calls than one query may list (10,000), to show the windowed read.
    counts: { calls: 15_000, contacts: 3_000 },
  });
  const dir = await Deno.makeTempDir({ prefix: "source-aircall-demo-" });
  const config = `${dir}/config.json`;
  const db = `${dir}/aircall.sqlite`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      ...CREDENTIALS,
      start_date: "2024-01-01T00:00:00Z",
      // The fake has no rate limit; a real account keeps the default of 60.
      max_requests_per_minute: 100000,
    }),
  );

  const command = [
    "deno run",
    ...RUN_FLAGS,
    `--allow-write=${db}`,
    "mod.ts sync --config config.json --db aircall.sqlite",
  ].join(" ");
  console.log(
    `Fake Aircall API on ${fake.url}; syncing it into a SQLite file:\n  ${command}\n`,
  );
  const started = performance.now();
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...RUN_FLAGS,
      `--allow-write=${db}`,
      new URL("../mod.ts", import.meta.url).pathname,
      "sync",
      "--config",
      config,
      "--db",
      db,
    ],
    env: { AIRCALL_API_URL: fake.url },
    stdout: "inherit",
    // Progress lines: the summary on stdout says it all.
    stderr: "null",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  await fake.close();

  if (code === 0) {
    const database = new DatabaseSync(db, { readOnly: true });
    const { size } = await Deno.stat(db);
    console.log(
      `\n${fake.requests.length} API requests in ${
        seconds.toFixed(1)
      } s; the database is ${(size / 1e6).toFixed(1)} MB.`,
    );
    for (const { question, sql } of QUESTIONS) {
      console.log(`\n${question}:\n\n${sql.replace(/^/gm, "  ")};\n`);
      console.log(_table(database.prepare(sql).all()).replace(/^/gm, "  "));
    }
    database.close();
  }
  await Deno.remove(dir, { recursive: true });
  Deno.exit(code);
}
