/** The connector's version, from `deno.json` (the one source of truth). @module */

import manifest from "../deno.json" with { type: "json" };

/** Semantic version of this build. */
export const VERSION: string = manifest.version;
