/**
 * The connector's configuration: one zod schema that validates config files
 * and, through `z.toJSONSchema`, becomes the SPEC's connectionSpecification.
 * Secrets are marked `airbyte_secret`; redaction reads them from here.
 *
 * @module
 */

import { z } from "zod";

/** Where Aircall documents its API, and where the SPEC points users. */
export const DOCUMENTATION_URL = "https://developer.aircall.io/api-references/";

const credential = (
  name: string,
  title: string,
  order: number,
  what: string,
) =>
  z.string({ error: `${name} must be a string` })
    .min(1, { error: `${name} must not be empty` })
    .meta({
      title,
      description:
        `${what} Create one in the Aircall dashboard under Integrations & API > API keys.`,
      airbyte_secret: true,
      order,
    });

const boundedInteger = (
  name: string,
  min: number,
  max: number,
  meta: { title: string; description: string; order: number; default: number },
) =>
  z.number({ error: `${name} must be an integer from ${min} to ${max}` })
    .int({ error: `${name} must be an integer from ${min} to ${max}` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` })
    .default(meta.default)
    .meta(meta);

/** A validated config, defaults applied. */
export interface Config {
  /** The API key's id (secret). */
  api_id: string;
  /** The API key's token (secret). */
  api_token: string;
  /** RFC 3339: nothing older is read. */
  start_date: string;
  /** Hours before the calls cursor an incremental sync reads again. */
  calls_lookback_hours: number;
  /** Requests per rolling minute, at most. */
  max_requests_per_minute: number;
  /** Days before the cursor whose calls' mutable AI objects are asked again. */
  ai_lookback_days: number;
  /** Requests each AI stream may make in one incremental sync; 0: no limit. */
  ai_max_requests_per_sync: number;
  /** Hours after a call ends until its AI objects are taken as final. */
  ai_settle_hours: number;
}

/** The config file's schema; unknown keys are ignored. */
export const ConfigSchema: z.ZodType<Config> = z.object({
  api_id: credential(
    "api_id",
    "API ID",
    0,
    "The API ID of an Aircall API key.",
  ),
  api_token: credential(
    "api_token",
    "API Token",
    1,
    "The API token of that API key.",
  ),
  start_date: z.iso.datetime({
    offset: true,
    error:
      "start_date must be a real RFC 3339 date-time such as 2022-03-01T00:00:00.000Z",
  }).meta({
    title: "Start date",
    description:
      "Calls started and contacts created before this moment are not read (Aircall serves about six months of calls). RFC 3339, e.g. 2022-03-01T00:00:00.000Z or 2022-03-01T02:00:00+02:00.",
    examples: ["2022-03-01T00:00:00.000Z"],
    pattern:
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
    format: "date-time",
    order: 2,
  }),
  calls_lookback_hours: boundedInteger("calls_lookback_hours", 0, 720, {
    title: "Calls lookback (hours)",
    description:
      "How far before the saved cursor an incremental calls sync starts again. Calls change after they end (cost, tags, recordings) without an update marker.",
    default: 24,
    order: 3,
  }),
  max_requests_per_minute: boundedInteger(
    "max_requests_per_minute",
    1,
    100000,
    {
      title: "Max requests per minute",
      description:
        "Upper bound on API requests per minute. Aircall's limit is per company and shared with its other integrations; the default leaves them room.",
      default: 60,
      order: 4,
    },
  ),
  ai_lookback_days: boundedInteger("ai_lookback_days", 0, 90, {
    title: "AI lookback (days)",
    description:
      "For the Conversation Intelligence streams that agents and supervisors edit (action items, playbook results, evaluations, custom summaries): how many days of calls before the saved cursor an incremental sync asks again.",
    default: 7,
    order: 5,
  }),
  ai_max_requests_per_sync: boundedInteger(
    "ai_max_requests_per_sync",
    0,
    10_000_000,
    {
      title: "AI requests per sync",
      description:
        "Most requests each Conversation Intelligence stream makes in one incremental sync (one per call); 0 means no limit. A stream that reaches it saves where it stopped and the next sync goes on from there, so a six-month backfill can be spread over many syncs.",
      default: 0,
      order: 6,
    },
  ),
  ai_settle_hours: boundedInteger("ai_settle_hours", 1, 720, {
    title: "AI settling period (hours)",
    description:
      "How long after a call ends the Conversation Intelligence streams keep asking for its objects: Aircall makes them minutes to hours after the call (and may attach its recording late), so a call without one yet is asked again by later syncs, less and less often, until this many hours after it ended; only then is a 404 final.",
    default: 48,
    order: 7,
  }),
});

/**
 * The SPEC's connectionSpecification, derived from {@linkcode ConfigSchema}
 * in the form Airbyte expects (draft-07, additional properties allowed).
 */
export const CONNECTION_SPECIFICATION: Record<string, unknown> = {
  ...z.toJSONSchema(ConfigSchema, { io: "input", target: "draft-07" }),
  title: "Aircall Source Spec",
  additionalProperties: true,
};

/**
 * The config fields marked `airbyte_secret` in the spec.
 *
 * @returns Field names, e.g. `["api_id", "api_token"]`.
 */
export function secretFields(): string[] {
  const properties = CONNECTION_SPECIFICATION.properties as Record<
    string,
    { airbyte_secret?: boolean }
  >;
  return Object.entries(properties)
    .filter(([, property]) => property.airbyte_secret === true)
    .map(([name]) => name);
}
