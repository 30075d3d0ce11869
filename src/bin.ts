/** The npm package's executable: Node has no `import.meta.main`. @module */

import { main } from "./main.ts";

await main();
