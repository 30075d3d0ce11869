/**
 * Rewrites `tests/snapshots/spec.json` and `catalog.json` from the current
 * code. Run it (`deno task snapshots`) after reviewing a deliberate change;
 * the tests refuse breaking changes against the committed snapshots.
 *
 * @module
 */

import { catalog, spec } from "../mod.ts";

const dir = new URL("../tests/snapshots/", import.meta.url);
await Deno.mkdir(dir, { recursive: true });
await Deno.writeTextFile(
  new URL("spec.json", dir),
  JSON.stringify(spec(), null, 2) + "\n",
);
await Deno.writeTextFile(
  new URL("catalog.json", dir),
  JSON.stringify(catalog(), null, 2) + "\n",
);
console.error(
  "Wrote tests/snapshots/spec.json and tests/snapshots/catalog.json",
);
