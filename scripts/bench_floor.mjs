/**
 * The throughput floor of `deno task bench`: the least a program can do to
 * turn the same pages into JSON lines. It requests the URLs listed in the
 * file given as its argument, one after another, and writes each record of
 * each page's list as a JSON line to stdout (one write per page), through
 * the runtime's own stdout. Plain JavaScript, so Deno and Node both run it.
 * The bench lists the connector's own requests, query and all, so the floor
 * reads the same pages: calls with their expansions (`fetch_contact`,
 * `fetch_call_timeline`, `fetch_aiva_conv`) embedded. A body without that
 * list (a call's Conversation Intelligence object) is one line.
 *
 * Usage:
 *   deno run --allow-net --allow-read --allow-env scripts/bench_floor.mjs URLS_FILE LIST_KEY
 *   node scripts/bench_floor.mjs URLS_FILE LIST_KEY
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";

const [urlsFile, key] = process.argv.slice(2);
const authorization = "Basic " + btoa(process.env.BENCH_CREDENTIALS ?? "");
const encoder = new TextEncoder();
const { Deno } = globalThis;

/** @param {string} lines */
async function write(lines) {
  if (!Deno) {
    await new Promise((resolve) => process.stdout.write(lines, resolve));
    return;
  }
  const bytes = encoder.encode(lines);
  for (let written = 0; written < bytes.length;) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
}

for (const url of readFileSync(urlsFile, "utf8").split("\n")) {
  if (!url) continue;
  const response = await fetch(url, { headers: { authorization } });
  const body = await response.json();
  let lines = "";
  const records = Array.isArray(body[key]) ? body[key] : [body];
  for (const record of records) lines += JSON.stringify(record) + "\n";
  await write(lines);
}
