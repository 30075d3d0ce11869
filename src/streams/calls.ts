import {
  array,
  dateTime,
  nullable,
  object,
  recordSchema,
  scalar,
} from "../json_schema.ts";
import {
  assignedNumberProperties,
  callParticipant,
  callTag,
  callUser,
  contactProperties,
  teamSummary,
} from "./_shapes.ts";
import type { StreamDefinition } from "./definition.ts";

/** How far back Aircall serves calls (about six months), with a day's margin. */
export const CALLS_HISTORY_SECONDS = 184 * 24 * 3600;

/** `GET /v1/calls`: windows on `started_at`, incremental with a lookback. */
export const calls: StreamDefinition = {
  name: "calls",
  path: "/v1/calls",
  key: "calls",
  primaryKey: ["id"],
  paging: {
    kind: "windows",
    field: "started_at",
    fromExclusive: true,
    historySeconds: CALLS_HISTORY_SECONDS,
  },
  incremental: { kind: "lookback", cursor: "started_at" },
  // Expansions that cost no request: the caller's contact (null without the
  // flag, even for known callers), the IVR path and the AI voice agent's
  // segments (absent without theirs). Not fetch_short_urls: its links expire
  // within about three hours, dead long before anyone opens them.
  query: {
    fetch_contact: "true",
    fetch_call_timeline: "true",
    fetch_aiva_conv: "true",
  },
  description:
    "Calls of the last six months (the API's horizon), by started_at, with the caller's contact, IVR path and AI voice agent segments. Incremental re-reads calls_lookback_hours before the cursor, because calls change after they end.",
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
    // The missed call's automatic callback, where served (documented for
    // webhooks since 2025, maybe absent from the REST list).
    automatic_callback_call_id: nullable("integer"),
    user: callUser,
    assigned_to: callUser,
    transferred_by: callUser,
    transferred_to: callUser,
    contact: object(contactProperties),
    number: object(assignedNumberProperties),
    teams: array(teamSummary),
    tags: array(callTag),
    comments: array(object({
      id: scalar("integer"),
      content: nullable("string"),
      posted_at: nullable("integer"),
      posted_by: callUser,
    })),
    // The caller's path through the IVR (fetch_call_timeline), in order.
    ivr_options_selected: array(object({
      id: nullable("string"),
      title: nullable("string"),
      key: nullable("string"),
      branch: nullable("string"),
      created_at: dateTime(),
      transition_started_at: dateTime(),
      transition_ended_at: dateTime(),
    })),
    // The AI voice agent's segments (fetch_aiva_conv), in order. Only one
    // source gives their shape, and names only: every scalar is a string
    // (a destination keeps a number in a string column, not the reverse),
    // with no date-time format, and the objects stay open.
    ai_voice_agents: array(object({
      agent_id: nullable("string"),
      agent_name: nullable("string"),
      started_at: nullable("string"),
      ended_at: nullable("string"),
      end_reason: nullable("string"),
      escalation_reason: nullable("string"),
      escalation_target: object({
        type: nullable("string"),
        destination: nullable("string"),
      }),
    })),
    participants: array(callParticipant),
    conference_participants: array(callParticipant),
  }),
};
