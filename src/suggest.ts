/**
 * "Did you mean...": the valid choice closest to a mistyped one.
 *
 * @module
 */

/** Edit distance (insertions, deletions, substitutions, transpositions). */
function _distance(a: string, b: string): number {
  const rows = Array.from(
    { length: a.length + 1 },
    (_, i) => [i, ...new Array<number>(b.length).fill(0)],
  );
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(
        rows[i - 1][j] + 1,
        rows[i][j - 1] + 1,
        rows[i - 1][j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}

/**
 * The candidate closest to `word`, if any is close enough to be what was
 * meant: a few edits away, or one starting with the other (`--stat` for
 * `--state`). Case and leading dashes are ignored.
 *
 * @param word What was typed.
 * @param candidates The valid choices.
 * @returns The closest candidate, or `undefined` when none is plausible.
 *
 * @example
 * ```ts
 * closest("--stat", ["--config", "--catalog", "--state"]); // "--state"
 * ```
 */
export function closest(
  word: string,
  candidates: readonly string[],
): string | undefined {
  const bare = (text: string) => text.replace(/^-+/, "").toLowerCase();
  const typed = bare(word);
  if (typed === "") return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const valid = bare(candidate);
    const distance = valid.startsWith(typed) || typed.startsWith(valid)
      ? Math.abs(valid.length - typed.length) / 10
      : _distance(typed, valid);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(typed.length / 3));
  return bestDistance <= allowed ? best : undefined;
}
