/**
 * Removes secret values from any text before it is printed. Which values are
 * secret comes from the spec's `airbyte_secret` fields, not a hand list.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { secretFields } from "./spec.ts";

/** The placeholder printed instead of a secret. */
export const REDACTED = "**********";

/** A function that masks secrets in a string. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor for one config: every `airbyte_secret` value, in its raw,
 * URL-encoded and JSON-escaped forms, plus the Basic auth credential made from
 * `api_id:api_token`.
 *
 * @param rawConfig The config as read from disk, valid or not.
 * @returns A function that replaces each secret with {@linkcode REDACTED}.
 */
export function redactorFor(rawConfig: unknown): Redactor {
  const config = (typeof rawConfig === "object" && rawConfig !== null)
    ? rawConfig as Record<string, unknown>
    : {};
  const secrets = secretFields()
    .map((field) => config[field])
    .filter((value): value is string =>
      typeof value === "string" && value.length > 0
    );
  const variants = new Set<string>();
  for (const secret of secrets) {
    variants.add(secret);
    variants.add(encodeURIComponent(secret));
    variants.add(JSON.stringify(secret).slice(1, -1));
  }
  if (
    typeof config.api_id === "string" && typeof config.api_token === "string"
  ) {
    variants.add(
      Buffer.from(`${config.api_id}:${config.api_token}`).toString("base64"),
    );
  }
  // Longest first, so a secret that contains another is masked whole.
  const ordered = [...variants].filter((v) => v.length > 0)
    .sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let masked = text;
    for (const secret of ordered) masked = masked.replaceAll(secret, REDACTED);
    return masked;
  };
}
