/**
 * Conversation Intelligence of the fake Aircall API: the nine per-call
 * resources of /work/shared/aircall-ai-notes.md, one object per call, served
 * at `GET /v1/calls/{id}/<resource>` with their documented envelopes.
 *
 * Like the real API: only calls that can have the data have it (answered
 * with a recording; voicemails too, but never evaluated or held to a
 * playbook), and only a seeded share of those; an object exists only some
 * minutes after its call ended (hours for a supervisor's review); the
 * mutable ones change when edited; every other call answers 404. Which
 * object a call has is a pure function of the seed, the call and the fake's
 * now, so two fakes with the same options serve the same objects.
 *
 * @module
 */

import type { FakeCall } from "./data.ts";

/** The add-on a resource needs: AI Assist, or AI Assist Pro on top of it. */
export type FakeAddOn = "assist" | "pro";

/** What the fake knows of one resource. */
export interface FakeAiResource {
  /** Share of the calls that can have it which do, in [0, 1]. */
  share: number;
  /** Whether voicemails can have it. */
  voicemails: boolean;
  /** How long after its call ends the object exists, in seconds: a range. */
  delay: readonly [number, number];
  /** Whether agents or supervisors edit it after it is created. */
  mutable: boolean;
  /** The add-on it needs. */
  addOn: FakeAddOn;
}

/** The nine resources, by their path segment. */
export const AI_RESOURCES = {
  transcription: {
    share: 0.85,
    voicemails: true,
    delay: [20, 600],
    mutable: false,
    addOn: "assist",
  },
  summary: {
    share: 0.75,
    voicemails: true,
    delay: [60, 900],
    mutable: false,
    addOn: "assist",
  },
  topics: {
    share: 0.7,
    voicemails: true,
    delay: [60, 900],
    mutable: false,
    addOn: "assist",
  },
  sentiments: {
    share: 0.7,
    voicemails: true,
    delay: [60, 900],
    mutable: false,
    addOn: "assist",
  },
  predicted_csat: {
    share: 0.5,
    voicemails: true,
    delay: [120, 1_800],
    mutable: false,
    addOn: "assist",
  },
  action_items: {
    share: 0.55,
    voicemails: true,
    delay: [60, 900],
    mutable: true,
    addOn: "assist",
  },
  custom_summary_result: {
    share: 0.3,
    voicemails: true,
    delay: [120, 1_800],
    mutable: true,
    addOn: "assist",
  },
  playbook_result: {
    share: 0.25,
    voicemails: false,
    delay: [600, 2 * 86_400],
    mutable: true,
    addOn: "pro",
  },
  evaluations: {
    share: 0.2,
    voicemails: false,
    delay: [1_800, 3 * 86_400],
    mutable: true,
    addOn: "pro",
  },
} as const satisfies Record<string, FakeAiResource>;

/** A resource's path segment, e.g. `transcription`. */
export type FakeAiName = keyof typeof AI_RESOURCES;

/**
 * How objects are wrapped: as documented (`{"transcription": {...}}`,
 * `{"topic": {...}}`...), under the other key seen in the wild (the
 * singular/plural twin), or bare.
 */
export type FakeEnvelope = "documented" | "twin" | "bare";

/** The documented envelope key and its twin; `undefined` for a bare body. */
const _ENVELOPES: Record<FakeAiName, readonly [string, string] | undefined> = {
  transcription: ["transcription", "transcriptions"],
  summary: ["summary", "summaries"],
  topics: ["topic", "topics"],
  sentiments: ["sentiment", "sentiments"],
  predicted_csat: ["csat", "predicted_csat"],
  // Documented bare: {"call_id", "action_items": [...]}.
  action_items: undefined,
  custom_summary_result: ["custom_summary_result", "custom_summary_results"],
  playbook_result: ["playbook_result", "playbook_results"],
  evaluations: ["evaluation", "evaluations"],
};

/** The calls that can have `name`'s object, by the rule of the notes. */
export function aiEligible(call: FakeCall, name: FakeAiName): boolean {
  const answeredWithRecording = call.answered_at !== null &&
    call.recording !== null;
  const voicemail = call.voicemail !== null;
  return answeredWithRecording ||
    (voicemail && AI_RESOURCES[name].voicemails);
}

/** A number in [0, 1) from the seed, a call and a label: no shared state. */
function _unit(seed: number, id: number, label: string): number {
  let h = (2166136261 ^ seed) >>> 0;
  const text = `${id}:${label}`;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/** Unix seconds as ISO-8601 with milliseconds. */
function _iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/**
 * Late data (none by default), as Aircall makes it: a share of the objects
 * made an hour to `upTo` seconds after their call ended, and a share of the
 * recorded calls listed without their recording until some minutes to
 * `upTo / 2` seconds after they ended (their objects follow the recording).
 */
export interface FakeAiLateness {
  /** Share of objects made late, in [0, 1]. */
  objects: number;
  /** Share of recorded calls whose recording is attached late, in [0, 1]. */
  recordings: number;
  /** The latest a late object comes, seconds after its call ended. */
  upTo: number;
}

/**
 * When the list starts serving `call`'s recording: its end, or later for a
 * late one.
 */
export function recordingAttachedAt(
  seed: number,
  call: FakeCall,
  late?: FakeAiLateness,
): number {
  if (!late || call.recording === null) return call.ended_at;
  if (_unit(seed, call.id, "recording:late") >= late.recordings) {
    return call.ended_at;
  }
  const delay = 600 +
    Math.floor(_unit(seed, call.id, "recording:delay") * (late.upTo / 2 - 600));
  return call.ended_at + delay;
}

/** The moment `name`'s object of `call` exists from, if it ever does. */
export function aiCreatedAt(
  seed: number,
  call: FakeCall,
  name: FakeAiName,
  late?: FakeAiLateness,
): number | undefined {
  const resource = AI_RESOURCES[name];
  if (!aiEligible(call, name)) return undefined;
  if (_unit(seed, call.id, name) >= resource.share) return undefined;
  const [min, max] = resource.delay;
  const unit = _unit(seed, call.id, `${name}:delay`);
  const lateObject = late !== undefined &&
    _unit(seed, call.id, `${name}:late`) < late.objects;
  const delay = lateObject
    ? 3_600 + Math.floor(unit * (late.upTo - 3_600))
    : min + Math.floor(unit * (max - min));
  const from = call.answered_at === null
    ? call.ended_at
    : recordingAttachedAt(seed, call, late);
  return Math.max(call.ended_at + delay, from + min);
}

/** What the fake needs to build an object. */
export interface FakeAiContext {
  /** PRNG seed of the fake. */
  seed: number;
  /** The fake's now, unix seconds. */
  now: number;
  /** Edits made to the call's object (mutable resources), and the last one's time. */
  edits: { count: number; at: number } | undefined;
  /** How objects are wrapped. */
  envelope: FakeEnvelope;
  /** Late data, if any. */
  late?: FakeAiLateness;
}

/**
 * The response body for `name`'s object of `call`, or `undefined` when the
 * call has none (yet): the fake then answers 404.
 */
export function aiBody(
  call: FakeCall,
  name: FakeAiName,
  context: FakeAiContext,
): unknown {
  const created = aiCreatedAt(context.seed, call, name, context.late);
  if (created === undefined || created > context.now) return undefined;
  const object = _object(call, name, created, context);
  const keys = _ENVELOPES[name];
  if (keys === undefined || context.envelope === "bare") return object;
  return { [context.envelope === "twin" ? keys[1] : keys[0]]: object };
}

/** Playbook topic results of other JSON types than a boolean, each served to some calls. */
const _PLAYBOOK_RESULTS: readonly { name: string; result: unknown }[] = [
  { name: "Pricing", result: "partially covered" },
  { name: "Next steps", result: 0.75 },
  { name: "Objections", result: null },
  { name: "Qualification", result: { score: 3, max: 4, missed: ["budget"] } },
  { name: "Closing", result: ["asked for the sale", "set a date"] },
];

function _object(
  call: FakeCall,
  name: FakeAiName,
  created: number,
  context: FakeAiContext,
): Record<string, unknown> {
  const { seed } = context;
  const unit = (label: string) => _unit(seed, call.id, `${name}:${label}`);
  const id = Math.floor(unit("id") * 1e9);
  const version = context.edits?.count ?? 0;
  const updated = context.edits?.at ?? created;
  const voicemail = call.answered_at === null;
  const userId = call.user?.id ?? null;
  const external = call.raw_digits === "anonymous" ? null : call.raw_digits;
  switch (name) {
    case "transcription": {
      const lines = 2 + Math.floor(unit("lines") * 5);
      const utterances = Array.from({ length: lines }, (_, i) => {
        const internal = !voicemail && i % 2 === 1;
        return {
          start_time: i * 4.25,
          end_time: i * 4.25 + 3.5,
          text: `${internal ? "Agent" : "Caller"} line ${
            i + 1
          } of call ${call.id}.`,
          participant_type: internal ? "internal" : "external",
          ...(internal ? { user_id: userId } : { phone_number: external }),
        };
      });
      return {
        id,
        call_id: call.id,
        call_created_at: _iso(call.started_at),
        type: voicemail ? "voicemail" : "call",
        content: {
          language: unit("lang") < 0.7 ? "en-US" : "fr-FR",
          utterances,
        },
      };
    }
    case "summary":
      return {
        id,
        call_id: call.id,
        content: `The caller asked about order ${
          id % 10_000
        }; the agent answered.`,
        created_at: _iso(created),
      };
    case "topics":
      return {
        id,
        call_id: call.id,
        created_at: _iso(created),
        content: ["billing", "delivery", "refund", "onboarding"]
          .filter((_, i) => unit(`topic${i}`) < 0.5),
      };
    case "sentiments": {
      const value = (label: string) =>
        ["POSITIVE", "NEUTRAL", "NEGATIVE"][Math.floor(unit(label) * 3)];
      return {
        id,
        call_id: call.id,
        participants: [
          { phone_number: external, type: "external", value: value("ext") },
          ...(userId === null || voicemail ? [] : [{
            phone_number: null,
            user_id: userId,
            type: "internal",
            value: value("int"),
          }]),
        ],
      };
    }
    case "predicted_csat":
      return {
        call_id: call.id,
        call_uuid: call.sid,
        score: Math.round(unit("score") * 40 + 10) / 10,
        drivers: [
          { polarity: "positive", label: "Quick resolution" },
          { polarity: "negative", label: "Long hold" },
        ].slice(0, 1 + Math.floor(unit("drivers") * 2)),
      };
    case "action_items":
      return {
        call_id: call.id,
        action_items: Array.from(
          { length: 1 + Math.floor(unit("items") * 3) },
          (_, i) => ({
            id: id + i,
            content: `Follow up ${i + 1} on call ${call.id}${
              version > 0 ? ` (edit ${version})` : ""
            }`,
            ai_generated: version === 0,
            created_at: _iso(created),
            created_by: null,
            updated_at: _iso(updated),
            updated_by: version > 0 ? userId : null,
          }),
        ),
      };
    case "custom_summary_result":
      return {
        id,
        call_id: call.id,
        created_at: _iso(created),
        updated_at: _iso(updated),
        summary_template_results: [
          {
            name: "Next steps",
            content: `Send the quote (version ${version}).`,
          },
          { name: "Customer mood", content: "Calm" },
        ],
      };
    case "playbook_result":
      return {
        id,
        call_id: call.id,
        user_id: userId,
        number_id: call.number?.id ?? null,
        playbook_id: 700 + Math.floor(unit("playbook") * 5),
        playbook_name: "Discovery call",
        adherence_score: Math.round(unit("adherence") * 1000) / 10 + version,
        created_at: _iso(created),
        updated_at: _iso(updated),
        // A topic's result has no documented type: several are served.
        playbook_result_topics: [
          { name: "Greeting", result: true },
          { name: "Budget", result: unit("budget") < 0.5 },
          ..._PLAYBOOK_RESULTS.filter((_, i) => unit(`result${i}`) < 0.5),
        ],
      };
    case "evaluations":
      return {
        id,
        ai_generated: version === 0,
        reviewed_at: version > 0 ? _iso(updated) : null,
        created_at: _iso(created),
        updated_at: _iso(updated),
        // The items' shape is undocumented: two shapes are served.
        evaluations: [
          {
            id: id + 1,
            scorecard_id: 900 + Math.floor(unit("scorecard") * 3),
            score: Math.round(unit("eval") * 100) + version,
            categories: [{
              name: "Empathy",
              score: Math.round(unit("cat") * 10),
            }],
            questions: [{
              question: "Did the agent greet the caller?",
              answer: "yes",
            }],
          },
          ...(unit("scorecard2") < 0.5 ? [] : [{
            scorecard: { id: 950, name: "Compliance" },
            score: `${Math.round(unit("eval2") * 5)}/5`,
            categories: { Compliance: { passed: true, weight: 0.5 } },
            questions: [{ id: "q1", answer: true, comment: null }],
          }]),
        ],
      };
  }
}
