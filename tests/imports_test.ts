/**
 * The module graph of `src/` has no cycle: each module (each reader above
 * all) can be read, tested and loaded alone. Type-only imports count: a
 * cycle of types still ties two modules' meanings together.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "./_helpers.ts";

const SRC = join(ROOT, "src");

/** Every `.ts` file below `dir`. */
function _modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return _modules(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The relative imports and re-exports of one module, as absolute paths. */
function _importsOf(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const specifiers = text.matchAll(
    /^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+\.ts)"/gms,
  );
  return [...specifiers].map((match) => resolve(dirname(path), match[1]));
}

/** A cycle in the graph, as the modules on it, or undefined. */
function _findCycle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = stack.indexOf(node);
    if (at >= 0) return [...stack.slice(at), node];
    if (done.has(node)) return undefined;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("src/ module graph", () => {
  const graph = new Map(_modules(SRC).map((path) => [path, _importsOf(path)]));

  it("is read: the readers import one another", () => {
    const perCall = join(SRC, "readers/per_call.ts");
    assert.deepEqual(
      graph.get(perCall)?.includes(join(SRC, "readers/types.ts")),
      true,
    );
    assert.ok(graph.size > 20, `only ${graph.size} modules found`);
  });

  it("has no import cycle", () => {
    const cycle = _findCycle(graph);
    assert.equal(
      cycle?.map((path) => relative(SRC, path)).join(" -> "),
      undefined,
    );
  });

  it("finds a cycle where there is one", () => {
    const cycle = _findCycle(
      new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]),
    );
    assert.deepEqual(cycle, ["a", "b", "c", "a"]);
  });
});
