/**
 * Aircall's own explanation of a refusal, read from the response body for
 * the error message: one line, bounded, never cut inside a word (a secret
 * echoed back is masked whole when the line is printed).
 *
 * Aircall's error bodies are JSON objects with some of `error`, `message`,
 * `errors` and `troubleshoot`; `errors` may be a string, a list or an object
 * of fields. The human explanation is often in `errors` or `troubleshoot`
 * while `error` and `message` repeat the HTTP status ("Bad Request",
 * "BAD_REQUEST"). Some bodies are not JSON at all (a proxy's HTML page).
 *
 * @module
 */

/** The longest explanation returned, in characters. */
export const MAX_EXPLANATION = 300;

/** Keys of an error body, in the order their texts are given. */
const _KEYS = ["error", "message", "errors", "troubleshoot"] as const;

/** Keys naming an item's text inside an `errors` list. */
const _ITEM_TEXT = ["message", "detail", "description", "error", "title"];

/** HTTP reason phrases: they say nothing the status does not. */
const _REASONS = new Set([
  "bad request",
  "unauthorized",
  "forbidden",
  "not found",
  "method not allowed",
  "conflict",
  "gone",
  "unprocessable entity",
  "too many requests",
  "internal server error",
  "service unavailable",
]);

/**
 * What Aircall said when it refused a request, on one line of at most
 * {@linkcode MAX_EXPLANATION} characters: the texts of the body's `error`,
 * `message`, `errors` and `troubleshoot`, without repeats and, when anything
 * else is said, without bare status words ("Bad Request", "BAD_REQUEST");
 * a body that is not JSON, as text (tags removed).
 *
 * @param body The response body as received.
 * @returns The explanation, or `""` when the body says nothing.
 *
 * @example
 * ```ts
 * explainRefusal('{"error":"Bad Request","errors":"Your query is limited to 10k results"}');
 * // "Your query is limited to 10k results"
 * ```
 */
export function explainRefusal(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return _bounded(body.replace(/<[^>]*>/g, " "));
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return _bounded(_texts(parsed).join("; "));
  }
  const record = parsed as Record<string, unknown>;
  const texts: string[] = [];
  for (const key of _KEYS) texts.push(..._texts(record[key]));
  const seen = new Set<string>();
  const unique = texts.map(_oneLine).filter((text) => {
    const key = text.toLowerCase();
    if (text === "" || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const said = unique.filter((text) => !_isStatusWord(text));
  return _bounded((said.length > 0 ? said : unique).join("; "));
}

/** Whether `text` only names a status: a reason phrase or a code. */
function _isStatusWord(text: string): boolean {
  return _REASONS.has(text.toLowerCase().replace(/[_-]/g, " ")) ||
    /^[A-Z0-9_]+$/.test(text);
}

/** The texts of a value of an error body: strings, lists, objects of fields. */
function _texts(value: unknown, depth = 0): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "number" || typeof value === "boolean") {
    return [String(value)];
  }
  if (depth > 2 || typeof value !== "object" || value === null) return [];
  if (Array.isArray(value)) {
    return value.flatMap((item) => _texts(item, depth + 1));
  }
  const record = value as Record<string, unknown>;
  const text = _ITEM_TEXT.find((key) => typeof record[key] === "string");
  if (text !== undefined) {
    const field = record.field ?? record.param ?? record.parameter;
    const said = record[text] as string;
    return [typeof field === "string" ? `${field}: ${said}` : said];
  }
  return Object.entries(record).flatMap(([key, item]) =>
    _texts(item, depth + 1).map((said) => `${key}: ${said}`)
  );
}

function _oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * `text` on one line, cut at a space before {@linkcode MAX_EXPLANATION}
 * characters with an ellipsis (a word longer than that is left out whole).
 */
function _bounded(text: string): string {
  const line = _oneLine(text);
  if (line.length <= MAX_EXPLANATION) return line;
  const cut = line.lastIndexOf(" ", MAX_EXPLANATION - 1);
  return `${cut > 0 ? line.slice(0, cut) : ""}…`;
}
