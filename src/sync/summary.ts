/**
 * What `sync` prints on stdout when it ends: per stream, the rows in its
 * table, those this sync added, changed and removed, and how it ended.
 *
 * @module
 */

import type { StreamOutcome } from "./store.ts";

const _STATUS: Record<StreamOutcome["status"], string> = {
  "COMPLETE": "complete",
  "INCOMPLETE": "failed",
  "NOT READ": "not read",
};

/**
 * The summary table, one line per stream, then one line for the whole sync.
 *
 * @param outcomes Each stream's figures, in catalog order.
 * @param path The database file.
 * @param seconds How long the sync took.
 * @returns Text ending with a newline.
 *
 * @example
 * ```ts
 * formatSummary([{ stream: "tags", syncMode: "full_refresh", status: "COMPLETE",
 *   rows: 3, added: 1, changed: 0, removed: 1 }], "aircall.sqlite", 1.2);
 * ```
 */
export function formatSummary(
  outcomes: readonly StreamOutcome[],
  path: string,
  seconds: number,
): string {
  const number = (n: number) => n.toLocaleString("en-US");
  const rows = [
    ["stream", "rows", "added", "changed", "removed", "status"],
    ...outcomes.map((o) => [
      o.stream,
      number(o.rows),
      number(o.added),
      number(o.changed),
      number(o.removed),
      o.status === "INCOMPLETE" && o.syncMode === "full_refresh"
        ? "failed (table kept as it was)"
        : _STATUS[o.status],
    ]),
  ];
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map((r) => r[i].length))
  );
  const lines = rows.map((row) =>
    row.map((cell, i) =>
      i === 0 || i === row.length - 1
        ? cell.padEnd(i === 0 ? widths[i] : 0)
        : cell.padStart(widths[i])
    ).join("  ").trimEnd()
  );
  const failed = outcomes.filter((o) => o.status !== "COMPLETE").length;
  lines.push(
    `${failed === 0 ? "Synced" : "Synced with failures:"} ${
      outcomes.length - failed
    } of ${outcomes.length} streams into ${path} in ${seconds.toFixed(1)} s.`,
  );
  return lines.join("\n") + "\n";
}
