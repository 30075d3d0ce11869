/**
 * Numbers as Aircall and input files send them: a JSON number, or a numeric
 * string (`"140"`, `"1700000000.5"`) read as one.
 *
 * @module
 */

/**
 * Reads a number that may come as a numeric string.
 *
 * @param value Anything parsed from JSON.
 * @returns The number, or `undefined` for anything else (`""`, `"12a"`, `null`).
 *
 * @example
 * ```ts
 * readNumber("140"); // 140
 * readNumber(12.5); // 12.5
 * readNumber("twelve"); // undefined
 * ```
 */
export function readNumber(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === "string" && /^\s*\d+(\.\d*)?\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}
