import {
  array,
  nullable,
  object,
  recordSchema,
  scalar,
} from "../json_schema.ts";
import { numberProperties, teamSummary, userSummary } from "./_shapes.ts";
import type { StreamDefinition } from "./definition.ts";

/** How far back Aircall serves calls (about six months), with a day's margin. */
export const CALLS_HISTORY_SECONDS = 184 * 24 * 3600;

/** `GET /v1/calls`: windows on `started_at`, incremental with a lookback. */
export const calls: StreamDefinition = {
  name: "calls",
  path: "/v1/calls",
  key: "calls",
  primaryKey: "id",
  paging: {
    kind: "windows",
    field: "started_at",
    fromExclusive: true,
    historySeconds: CALLS_HISTORY_SECONDS,
  },
  incremental: { kind: "lookback", cursor: "started_at" },
  description:
    "Calls of the last six months (the API's horizon), by started_at. Incremental re-reads calls_lookback_hours before the cursor, because calls change after they end.",
  schema: recordSchema({
    id: scalar("integer"),
    sid: nullable("string"),
    direct_link: nullable("string"),
    direction: nullable("string"),
    status: nullable("string"),
    missed_call_reason: nullable("string"),
    started_at: scalar("integer"),
    answered_at: nullable("integer"),
    ended_at: nullable("integer"),
    duration: nullable("integer"),
    raw_digits: nullable("string"),
    voicemail: nullable("string"),
    recording: nullable("string"),
    recording_short_url: nullable("string"),
    voicemail_short_url: nullable("string"),
    asset: nullable("string"),
    archived: nullable("boolean"),
    cost: nullable("string"),
    pricing_type: nullable("string"),
    country_code_a2: nullable("string"),
    user: userSummary,
    assigned_to: userSummary,
    transferred_by: userSummary,
    transferred_to: userSummary,
    contact: object({
      id: scalar("integer"),
      first_name: nullable("string"),
      last_name: nullable("string"),
      company_name: nullable("string"),
    }),
    number: object(numberProperties),
    teams: array(teamSummary),
    tags: array(object({
      id: scalar("integer"),
      name: nullable("string"),
      color: nullable("string"),
      description: nullable("string"),
    })),
    comments: array(object({
      id: scalar("integer"),
      content: nullable("string"),
      posted_at: nullable("integer"),
      posted_by: userSummary,
    })),
    // IVR choices the caller made: their shape varies with the IVR.
    ivr_options_selected: array(object({})),
    participants: array(object({
      id: nullable("string"),
      type: nullable("string"),
      name: nullable("string"),
      phone_number: nullable("string"),
    })),
  }),
};
