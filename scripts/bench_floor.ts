/**
 * The throughput floor of `deno task bench`: the least a program can do to
 * turn the same pages into JSON lines. It requests the URLs listed in the
 * file given as its argument, one after another, and writes each record of
 * each page's list as a JSON line to stdout (one write per page).
 *
 * Usage: deno run --allow-net --allow-read --allow-env scripts/bench_floor.ts URLS_FILE LIST_KEY
 *
 * @module
 */

const [urlsFile, key] = Deno.args;
const authorization = "Basic " + btoa(Deno.env.get("BENCH_CREDENTIALS")!);
const encoder = new TextEncoder();
for (const url of (await Deno.readTextFile(urlsFile)).split("\n")) {
  if (!url) continue;
  const response = await fetch(url, { headers: { authorization } });
  const body = await response.json();
  let lines = "";
  for (const record of body[key]) lines += JSON.stringify(record) + "\n";
  const bytes = encoder.encode(lines);
  for (let written = 0; written < bytes.length;) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
}
