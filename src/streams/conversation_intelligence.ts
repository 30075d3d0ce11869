/**
 * Aircall's Conversation Intelligence ("AI Assist" and "AI Assist Pro"):
 * nine streams of one object per call, each asked for once per call that can
 * have it (`/v1/calls/{id}/<resource>`: there is no list). Shapes follow
 * /work/shared/aircall-ai-notes.md; nested objects stay open where the notes
 * are unsure.
 *
 * @module
 */

import {
  anyJson,
  array,
  dateTime,
  type JsonSchema,
  nullable,
  object,
  recordSchema,
  scalar,
} from "../json_schema.ts";
import { calls } from "./calls.ts";
import type { StreamDefinition } from "./definition.ts";

/** What sets one Conversation Intelligence stream apart from the others. */
interface _PerCallStream {
  name: string;
  /** The path segment after `/v1/calls/{id}/`. */
  resource: string;
  /** Envelope keys, the documented one first; none when documented bare. */
  envelope: readonly string[];
  voicemails: boolean;
  mutable: boolean;
  addOn: "AI Assist" | "AI Assist Pro";
  /** What it holds, for the catalog and the README. */
  holds: string;
  /** The object's fields (`call_id` and `call_started_at` are added). */
  properties: Record<string, JsonSchema>;
}

function _perCall(stream: _PerCallStream): StreamDefinition {
  const { mutable, voicemails } = stream;
  return {
    name: stream.name,
    path: `/v1/calls/{id}/${stream.resource}`,
    key: stream.envelope[0] ?? stream.resource,
    primaryKey: ["call_id"],
    paging: {
      kind: "per_call",
      parent: calls,
      envelope: stream.envelope,
      voicemails,
      mutable,
      addOn: stream.addOn,
    },
    incremental: { kind: "per_call", cursor: "call_started_at" },
    optIn: "one request per call",
    description: `${stream.holds} (${stream.addOn}). One request per call ${
      voicemails
        ? "answered with a recording, or voicemail,"
        : "answered with a recording"
    } that ended an hour or more before the sync, ${
      mutable
        ? "asked again for the calls of ai_lookback_days before the cursor, since it is edited"
        : "asked once when found: it never changes"
    }; a call without one answers 404, and is asked again by later syncs until ai_settle_hours after it ended.`,
    schema: recordSchema({
      call_id: scalar("integer"),
      call_started_at: scalar("integer"),
      ...stream.properties,
    }),
  };
}

/** The ids most objects carry: their own, and their call's. */
const _ids = {
  id: nullable("integer"),
  call_id: scalar("integer"),
};

/** A user's id, as the objects name their authors. */
const _userId = nullable("integer");

/** `/v1/calls/{id}/transcription`. */
export const callTranscriptions: StreamDefinition = _perCall({
  name: "call_transcriptions",
  resource: "transcription",
  envelope: ["transcription", "transcriptions"],
  voicemails: true,
  mutable: false,
  addOn: "AI Assist",
  holds: "Each call's transcript, utterance by utterance",
  properties: {
    ..._ids,
    call_created_at: dateTime(),
    type: nullable("string"),
    content: object({
      language: nullable("string"),
      utterances: array(object({
        start_time: nullable("number"),
        end_time: nullable("number"),
        text: nullable("string"),
        participant_type: nullable("string"),
        user_id: _userId,
        phone_number: nullable("string"),
      })),
    }),
  },
});

/** `/v1/calls/{id}/summary`. */
export const callSummaries: StreamDefinition = _perCall({
  name: "call_summaries",
  resource: "summary",
  envelope: ["summary", "summaries"],
  voicemails: true,
  mutable: false,
  addOn: "AI Assist",
  holds: "Each call's summary, one paragraph",
  properties: {
    ..._ids,
    content: nullable("string"),
    created_at: dateTime(),
  },
});

/** `/v1/calls/{id}/topics`. */
export const callTopics: StreamDefinition = _perCall({
  name: "call_topics",
  resource: "topics",
  envelope: ["topic", "topics"],
  voicemails: true,
  mutable: false,
  addOn: "AI Assist",
  holds: "The topics each call touched",
  properties: {
    ..._ids,
    created_at: dateTime(),
    content: array(scalar("string")),
  },
});

/** `/v1/calls/{id}/sentiments`. */
export const callSentiments: StreamDefinition = _perCall({
  name: "call_sentiments",
  resource: "sentiments",
  envelope: ["sentiment", "sentiments"],
  voicemails: true,
  mutable: false,
  addOn: "AI Assist",
  holds: "Each participant's sentiment in each call",
  properties: {
    ..._ids,
    participants: array(object({
      phone_number: nullable("string"),
      user_id: _userId,
      type: nullable("string"),
      participant_type: nullable("string"),
      value: nullable("string"),
    })),
  },
});

/** `/v1/calls/{id}/predicted_csat`. */
export const callPredictedCsat: StreamDefinition = _perCall({
  name: "call_predicted_csat",
  resource: "predicted_csat",
  envelope: ["csat", "predicted_csat"],
  voicemails: true,
  mutable: false,
  addOn: "AI Assist",
  holds: "Each call's predicted customer satisfaction and what drove it",
  properties: {
    call_id: scalar("integer"),
    call_uuid: nullable("string"),
    score: nullable("number"),
    drivers: array(object({
      polarity: nullable("string"),
      label: nullable("string"),
    })),
  },
});

/** `/v1/calls/{id}/action_items`. */
export const callActionItems: StreamDefinition = _perCall({
  name: "call_action_items",
  resource: "action_items",
  envelope: [],
  voicemails: true,
  mutable: true,
  addOn: "AI Assist",
  holds: "Each call's action items, as one set",
  properties: {
    call_id: scalar("integer"),
    action_items: array(object({
      id: nullable("integer"),
      content: nullable("string"),
      ai_generated: nullable("boolean"),
      created_at: dateTime(),
      created_by: _userId,
      updated_at: dateTime(),
      updated_by: _userId,
    })),
  },
});

/** `/v1/calls/{id}/playbook_result`. */
export const callPlaybookResults: StreamDefinition = _perCall({
  name: "call_playbook_results",
  resource: "playbook_result",
  envelope: ["playbook_result", "playbook_results"],
  voicemails: false,
  mutable: true,
  addOn: "AI Assist Pro",
  holds: "How closely each call followed its playbook",
  properties: {
    ..._ids,
    user_id: _userId,
    number_id: nullable("integer"),
    playbook_id: nullable("integer"),
    playbook_name: nullable("string"),
    adherence_score: nullable("number"),
    created_at: dateTime(),
    updated_at: dateTime(),
    // A topic's result: no source documents its type (a yes/no, a score,
    // a text...), so any JSON value.
    playbook_result_topics: array(object({
      name: nullable("string"),
      result: anyJson(),
    })),
  },
});

/** `/v1/calls/{id}/evaluations`. */
export const callEvaluations: StreamDefinition = _perCall({
  name: "call_evaluations",
  resource: "evaluations",
  envelope: ["evaluation", "evaluations"],
  voicemails: false,
  mutable: true,
  addOn: "AI Assist Pro",
  holds: "Each call's quality evaluations (scorecards), by AI or a reviewer",
  properties: {
    id: nullable("integer"),
    ai_generated: nullable("boolean"),
    reviewed_at: dateTime(),
    created_at: dateTime(),
    updated_at: dateTime(),
    // Scorecard evaluations: documented only as "with score, categories,
    // questions", so each is any JSON value.
    evaluations: array(anyJson()),
  },
});

/** `/v1/calls/{id}/custom_summary_result`. */
export const callCustomSummaries: StreamDefinition = _perCall({
  name: "call_custom_summaries",
  resource: "custom_summary_result",
  envelope: ["custom_summary_result", "custom_summary_results"],
  voicemails: true,
  mutable: true,
  addOn: "AI Assist",
  holds: "Each call's summary by the company's own templates",
  properties: {
    ..._ids,
    created_at: dateTime(),
    updated_at: dateTime(),
    summary_template_results: array(object({
      name: nullable("string"),
      content: nullable("string"),
    })),
  },
});

/** The nine Conversation Intelligence streams, in name order. */
export const CONVERSATION_INTELLIGENCE: readonly StreamDefinition[] = [
  callActionItems,
  callCustomSummaries,
  callEvaluations,
  callPlaybookResults,
  callPredictedCsat,
  callSentiments,
  callSummaries,
  callTopics,
  callTranscriptions,
];
