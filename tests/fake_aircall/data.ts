/**
 * Deterministic data for the fake Aircall API.
 *
 * Everything here is derived from a seed and a "now" (unix seconds) through a seeded PRNG, so two
 * runs with the same options produce byte-identical data. Nested objects that the real API embeds
 * in calls (user summaries, numbers, team summaries, tags, contacts) are shared references, which
 * keeps a 200,000-call dataset small in memory; JSON output is unaffected. Calls hold what the
 * calls list serves with every expansion flag; the server hides what a request did not ask for.
 *
 * @module
 */

/** How far back calls are visible: about six months (182 days), in seconds. */
export const CALLS_HISTORY_SECONDS = 182 * 86_400;

/** How many records of each kind the fake holds. */
export interface FakeCounts {
  /** Calls, including the ~3% older than the history horizon. */
  calls: number;
  /** Contacts. */
  contacts: number;
  /** Users (and user availabilities, one per user). */
  users: number;
  /** Phone numbers. */
  numbers: number;
  /** Teams. */
  teams: number;
  /** Tags. */
  tags: number;
  /** Webhooks. */
  webhooks: number;
}

/** Default counts: every list is longer than 20 and 50 so `per_page` and paging matter. */
export const DEFAULT_COUNTS: Readonly<FakeCounts> = Object.freeze({
  calls: 1200,
  contacts: 700,
  users: 75,
  numbers: 60,
  teams: 55,
  tags: 120,
  webhooks: 53,
});

/** Options of {@link generateData}. */
export interface GenerateDataOptions {
  /** The fake's "now", unix seconds; all timestamps are generated relative to it. */
  now: number;
  /** PRNG seed; default 1. */
  seed?: number;
  /** How many of each kind; missing kinds take {@link DEFAULT_COUNTS}. */
  counts?: Partial<FakeCounts>;
}

/** User availability values of `/v1/users/availabilities`. */
export type FakeAvailability =
  | "available"
  | "offline"
  | "do_not_disturb"
  | "in_call"
  | "after_call_work";

/**
 * A user as a call names one (`user`, `assigned_to`, `transferred_by`, `transferred_to`, a
 * comment's `posted_by`): the v2 user without `substatus` and `default_number_id` (live responses).
 */
export type FakeCallUser = Omit<FakeUser, "substatus" | "default_number_id">;

/**
 * A member of a team (`teams[].users[]`): the v2 user without `available`, `state`, `extension`
 * and `substatus` (live responses).
 */
export type FakeTeamMember = Omit<
  FakeUser,
  "available" | "state" | "extension" | "substatus"
>;

/** A user of `GET /v2/users`. */
export interface FakeUser {
  /** User id. */
  id: number;
  /** API URL of the user. */
  direct_link: string;
  /** Full name. */
  name: string;
  /** Email address. */
  email: string;
  /** ISO-8601 creation time, alternately with and without milliseconds. */
  created_at: string;
  /** IANA time zone. */
  time_zone: string;
  /** Language tag, e.g. en-US. */
  language: string;
  /** Account state (active | invited). */
  state: string;
  /** Wrap-up time, seconds. */
  wrap_up_time: number;
  /** Phone extension or null. */
  extension: string | null;
  /** available | custom | unavailable. */
  availability_status: string;
  /** Whether the user is available. */
  available: boolean;
  /** Id of the user's default number, or null. */
  default_number_id: number | null;
  /** Custom sub-status, or null. */
  substatus: string | null;
}

/** An item of `GET /v1/users/availabilities`. */
export interface FakeUserAvailability {
  /** User id. */
  id: number;
  /** Current availability. */
  availability: FakeAvailability;
}

/** The message URLs of a number. */
export interface FakeNumberMessages {
  /** Welcome message URL. */
  welcome: string;
  /** Waiting music URL. */
  waiting: string;
  /** IVR message URL. */
  ivr: string;
  /** Voicemail greeting URL. */
  voicemail: string;
  /** Closed message URL. */
  closed: string;
  /** Callback-later message URL. */
  callback_later: string;
  /** Unanswered-call message URL. */
  unanswered_call: string;
  /** After-hours message URL. */
  after_hours: string;
  /** Ringing tone URL. */
  ringing_tone: string;
}

/** A phone number of `GET /v1/numbers`. */
export interface FakeNumber {
  /** Number id. */
  id: number;
  /** API URL of the number. */
  direct_link: string;
  /** Display name. */
  name: string;
  /** Formatted digits. */
  digits: string;
  /** ISO 3166 alpha-2 country. */
  country: string;
  /** IANA time zone. */
  time_zone: string;
  /** Whether the number is open now. */
  open: boolean;
  /** open | custom | closed. */
  availability_status: string;
  /** Whether the number is an IVR. */
  is_ivr: boolean;
  /** Whether live recording is on. */
  live_recording_activated: boolean;
  /** Routing priority, or null. */
  priority: number | null;
  /** Message URLs. */
  messages: FakeNumberMessages;
  /** ISO-8601 creation time, alternately with and without milliseconds. */
  created_at: string;
}

/**
 * A number as a call (`number`) and `/v2/users/{id}/numbers` serve it: with `flow_editor_enabled`,
 * which `/v1/numbers` items lack.
 */
export interface FakeAssignedNumber extends FakeNumber {
  /** Whether the number's routing is built with the flow editor. */
  flow_editor_enabled: boolean;
}

/** A team as embedded in calls. */
export interface FakeTeamSummary {
  /** Team id. */
  id: number;
  /** Team name. */
  name: string;
  /** API URL of the team. */
  direct_link: string;
  /** ISO-8601 creation time. */
  created_at: string;
}

/** A team of `GET /v1/teams`. */
export interface FakeTeam {
  /** Team id. */
  id: number;
  /** API URL of the team. */
  direct_link: string;
  /** Team name. */
  name: string;
  /** ISO-8601 creation time, alternately with and without milliseconds. */
  created_at: string;
  /** Members. */
  users: FakeTeamMember[];
}

/** A tag of `GET /v1/tags`. */
export interface FakeTag {
  /** Tag id. */
  id: number;
  /** Tag name. */
  name: string;
  /** Hex colour such as "#00B388". */
  color: string;
  /** Description, or null. */
  description: string | null;
}

/**
 * A tag of a call: the tag, plus who tagged the call and when where served. Their types are
 * undocumented, so the fake serves several: `tagged_by` a user, a user id or null; `created_at`
 * an ISO string or unix seconds; both absent on some.
 */
export interface FakeCallTag extends FakeTag {
  /** Who tagged the call: a user, a user id, or null. */
  tagged_by?: FakeCallUser | number | null;
  /** When: ISO-8601 or unix seconds. */
  created_at?: string | number;
}

/** A comment on a call. */
export interface FakeComment {
  /** Comment id. */
  id: number;
  /** Text. */
  content: string;
  /** Unix seconds. */
  posted_at: number;
  /** Author, or null (posted through the API). */
  posted_by: FakeCallUser | null;
}

/** A participant of a call. */
export interface FakeParticipant {
  /** Participant id, a string: the user's or the contact's; absent for an external party. */
  id?: string;
  /** user | contact | external. */
  type: "user" | "contact" | "external";
  /** Name, or null. */
  name: string | null;
  /** Phone number, or null. */
  phone_number: string | null;
}

/** A call of `GET /v1/calls`. */
export interface FakeCall {
  /** Call id; above 2^31, increasing with `started_at` in generated data. */
  id: number;
  /** Call SID. */
  sid: string;
  /** API URL of the call. */
  direct_link: string;
  /** inbound | outbound. */
  direction: "inbound" | "outbound";
  /** Always "done". */
  status: string;
  /** Why the call was missed, or null. */
  missed_call_reason: string | null;
  /** Unix seconds. */
  started_at: number;
  /** Unix seconds, or null if unanswered. */
  answered_at: number | null;
  /** Unix seconds. */
  ended_at: number;
  /** Seconds, `ended_at - started_at`. */
  duration: number;
  /** The other party's digits. */
  raw_digits: string;
  /** Expiring signed voicemail URL, or null. */
  voicemail: string | null;
  /** Expiring signed recording URL, or null. */
  recording: string | null;
  /** Short recording URL, or null. */
  recording_short_url: string | null;
  /** Short voicemail URL, or null. */
  voicemail_short_url: string | null;
  /** Asset URL, or null. */
  asset: string | null;
  /** Whether the call is archived. */
  archived: boolean;
  /** Legacy cost, a decimal string. */
  cost: string;
  /** Pricing type, or null. */
  pricing_type: string | null;
  /** ISO 3166 alpha-2 country of the other party. */
  country_code_a2: string;
  /** The call that automatically called a missed caller back, or null; absent on most calls. */
  automatic_callback_call_id?: number | null;
  /** Handling user, or null. */
  user: FakeCallUser | null;
  /** Assignee, or null. */
  assigned_to: FakeCallUser | null;
  /** Transferring user, or null. */
  transferred_by: FakeCallUser | null;
  /** Transfer target, or null. */
  transferred_to: FakeCallUser | null;
  /**
   * The caller's contact (the very object `/v1/contacts` serves) when a participant is a contact,
   * else null. Served only with `fetch_contact=true`; null without it.
   */
  contact: FakeContact | null;
  /** The Aircall number of the call, or null when there are no numbers. */
  number: FakeAssignedNumber | null;
  /** Teams. */
  teams: FakeTeamSummary[];
  /** Tags. */
  tags: FakeCallTag[];
  /** Comments. */
  comments: FakeComment[];
  /** Participants; absent on a conference call, which has `conference_participants` instead. */
  participants?: FakeParticipant[];
  /** A conference call's participants (transferred calls), in place of `participants`. */
  conference_participants?: FakeParticipant[];
  /** The caller's IVR choices (calls to IVR numbers). Served only with `fetch_call_timeline=true`. */
  ivr_options_selected: readonly FakeIvrOption[];
  /** AI voice agent segments (a share of inbound calls). Served only with `fetch_aiva_conv=true`. */
  ai_voice_agents: readonly FakeAiVoiceAgent[];
}

/** One IVR choice of a call (`fetch_call_timeline=true`). */
export interface FakeIvrOption {
  /** Choice id, a string. */
  id: string;
  /** The option's title. */
  title: string;
  /** The key pressed. */
  key: string;
  /** The Smartflows branch taken. */
  branch: string;
  /** ISO-8601. */
  created_at: string;
  /** ISO-8601. */
  transition_started_at: string;
  /** ISO-8601, or null when the caller hung up in the menu. */
  transition_ended_at: string | null;
}

/** One AI voice agent segment of a call (`fetch_aiva_conv=true`). */
export interface FakeAiVoiceAgent {
  /** Agent id. */
  agent_id: string;
  /** Agent name. */
  agent_name: string;
  /** ISO-8601. */
  started_at: string;
  /** ISO-8601. */
  ended_at: string;
  /** completed | escalated | caller_hung_up. */
  end_reason: string;
  /** Why the agent escalated, or null. */
  escalation_reason: string | null;
  /** Where the agent escalated to, or null. */
  escalation_target: {
    /** branch | user | team | external. */
    type: "branch" | "user" | "team" | "external";
    /** The branch name, user or team id, or phone number. */
    destination: string;
  } | null;
}

/** A phone number or email of a contact. */
export interface FakeContactDetail {
  /** Detail id. */
  id: number;
  /** Label such as Work. */
  label: string;
  /** The phone number or email. */
  value: string;
}

/** A contact of `GET /v1/contacts`. */
export interface FakeContact {
  /** Contact id, increasing with `created_at` in generated data. */
  id: number;
  /** API URL of the contact. */
  direct_link: string;
  /** First name. */
  first_name: string;
  /** Last name. */
  last_name: string;
  /** Company, or null. */
  company_name: string | null;
  /** Free text, or null. */
  information: string | null;
  /** Whether shared with the company. */
  is_shared: boolean;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds, >= created_at. */
  updated_at: number;
  /** Phone numbers. */
  phone_numbers: FakeContactDetail[];
  /** Emails. */
  emails: FakeContactDetail[];
}

/** A webhook of `GET /v1/webhooks`. */
export interface FakeWebhook {
  /** Deprecated integer id. */
  id: number;
  /** UUID, the real identifier. */
  webhook_id: string;
  /** API URL of the webhook. */
  direct_link: string;
  /** Target URL. */
  url: string;
  /** Whether active. */
  active: boolean;
  /** Subscribed events. */
  events: string[];
  /** Signing secret (hex). */
  token: string;
  /** ISO-8601 creation time, alternately with and without milliseconds. */
  created_at: string;
  /** Custom name; the key is absent on some webhooks. */
  custom_name?: string;
}

/** A user's Power Dialer campaign, `GET /v1/users/{id}/dialer_campaign`. */
export interface FakeDialerCampaign {
  /** Campaign id. */
  id: number;
  /** The number the campaign calls from: a numeric string (as documented) or an integer. */
  number_id: string | number;
  /** ISO-8601 creation time. */
  created_at: string;
  /** The queued numbers' digits; on some campaigns only (the documented example has it). */
  phone_numbers?: string[];
}

/** A queued number of `GET /v1/users/{id}/dialer_campaign/phone_numbers`. */
export interface FakeDialerNumber {
  /** Queue item id. */
  id: number;
  /** The number to call, formatted ("+33 1 76 11 11 11") or bare digits. */
  number: string;
  /** Whether it has been called. */
  called: boolean;
  /** ISO-8601 time it was queued. */
  created_at: string;
}

/** The object of `GET /v1/company`. */
export interface FakeCompany {
  /** Company name. */
  name: string;
  /** Number of users. */
  users_count: number;
  /** Number of phone numbers. */
  numbers_count: number;
}

/** All the data the fake serves; arrays are live (the server reads them on every request). */
export interface FakeData {
  /** Calls, in id order as generated. */
  calls: FakeCall[];
  /** Contacts, in id order as generated. */
  contacts: FakeContact[];
  /** Users (v2 shape). */
  users: FakeUser[];
  /** One availability per user, served by `/v1/users/availabilities`. */
  availabilities: FakeUserAvailability[];
  /** Phone numbers. */
  numbers: FakeNumber[];
  /** Teams. */
  teams: FakeTeam[];
  /** Tags. */
  tags: FakeTag[];
  /** Webhooks. */
  webhooks: FakeWebhook[];
  /** The company. */
  company: FakeCompany;
  /**
   * The numbers each user is assigned to (`/v2/users/{id}/numbers`), by user id, in creation
   * order; a user with a `default_number_id` has that number among them.
   */
  userNumbers: Record<number, FakeAssignedNumber[]>;
  /** Power Dialer campaigns by user id; a user without one is absent (404). */
  dialerCampaigns: Record<number, FakeDialerCampaign>;
  /** Each campaign's queue by user id, in queue order; absent with the campaign. */
  dialerNumbers: Record<number, FakeDialerNumber[]>;
}

/** A PRNG returning floats in [0, 1). */
export type Rng = () => number;

/** The mulberry32 PRNG: small, fast, deterministic for a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG for one named stream of a seed, so each kind of record has its own sequence. */
export function streamRng(seed: number, stream: string): Rng {
  let h = 2166136261 ^ (seed >>> 0);
  for (let i = 0; i < stream.length; i++) {
    h = Math.imul(h ^ stream.charCodeAt(i), 16777619);
  }
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return mulberry32((h ^ (h >>> 13)) >>> 0);
}

const _DAY = 86_400;
const _YEAR = 365 * _DAY;

const _FIRST_NAMES = [
  "Alice",
  "Bruno",
  "Chloé",
  "Daniel",
  "Emma",
  "Farid",
  "Giulia",
  "Hugo",
  "Inès",
  "Jonas",
  "Kenji",
  "Léa",
  "Mateo",
  "Nadia",
  "Oscar",
  "Priya",
  "Quentin",
  "Rosa",
  "Samir",
  "Tess",
  "Ugo",
  "Vera",
  "Wen",
  "Xavier",
  "Yasmin",
  "Zoé",
];
const _LAST_NAMES = [
  "Martin",
  "Bernard",
  "Dubois",
  "Smith",
  "Johnson",
  "García",
  "Müller",
  "Rossi",
  "Nguyen",
  "Kowalski",
  "O'Brien",
  "Tanaka",
  "Silva",
  "Andersen",
  "Haddad",
  "Petit",
  "Moreau",
  "Lopez",
  "Brown",
  "Wilson",
];
const _COMPANIES = [
  "Acme Corp",
  "Globex",
  "Initech",
  "Umbrella SAS",
  "Hooli",
  "Soylent Ltd",
  "Stark Industries",
  "Wayne Enterprises",
  "Tyrell GmbH",
  "Cyberdyne",
];
const _TIME_ZONES = [
  "Europe/Paris",
  "America/New_York",
  "Europe/London",
  "America/Los_Angeles",
  "Etc/UTC",
  "Europe/Berlin",
  "Australia/Sydney",
];
const _LANGUAGES = ["en-US", "fr-FR", "de-DE", "es-ES", "en-GB", "it-IT"];
const _COUNTRIES = ["US", "FR", "GB", "DE", "ES", "IT", "AU", "CA"];
const _COLORS = [
  "#00B388",
  "#FF5C5C",
  "#3F51B5",
  "#FFB400",
  "#8E44AD",
  "#1ABC9C",
  "#34495E",
  "#E67E22",
];
const _MISSED_REASONS = [
  "out_of_opening_hours",
  "short_abandoned",
  "abandoned_in_ivr",
  "abandoned_in_classic",
  "no_available_agent",
  "agents_did_not_answer",
];
const _SUBSTATUSES = [
  "out_for_lunch",
  "on_a_break",
  "in_training",
  "doing_back_office",
  "other",
];
const _AVAILABILITIES: FakeAvailability[] = [
  "available",
  "offline",
  "do_not_disturb",
  "in_call",
  "after_call_work",
];
const _WEBHOOK_EVENTS = [
  "call.created",
  "call.ringing_on_agent",
  "call.answered",
  "call.hungup",
  "call.ended",
  "call.tagged",
  "call.commented",
  "call.transferred",
  "call.assigned",
  "call.voicemail_left",
  "contact.created",
  "contact.updated",
  "contact.deleted",
  "user.created",
  "user.opened",
  "user.closed",
  "number.opened",
  "number.closed",
];
const _COMMENTS = [
  "Customer asked for a callback tomorrow.",
  "Escalated to tier 2.",
  "Invoice question, resolved.",
  "Wrong number.",
  "Follow-up email sent ✉️",
  'Said "call me after 5pm"',
];

function _int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function _pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function _hex(rng: Rng, length: number): string {
  let out = "";
  while (out.length < length) {
    out += Math.floor(rng() * 0x100000000).toString(16).padStart(8, "0");
  }
  return out.slice(0, length);
}

function _base62(rng: Rng, length: number): string {
  const chars =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let out = "";
  for (let i = 0; i < length; i++) out += chars[Math.floor(rng() * 62)];
  return out;
}

function _uuid(rng: Rng): string {
  const h = _hex(rng, 32).split("");
  h[12] = "4";
  h[16] = "89ab"[parseInt(h[16], 16) & 3];
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${
    s.slice(16, 20)
  }-${s.slice(20)}`;
}

/** ISO-8601 of unix seconds; `withMillis` picks "...21.000Z" over "...21Z". */
function _iso(seconds: number, withMillis: boolean): string {
  const s = new Date(seconds * 1000).toISOString();
  return withMillis ? s : s.replace(".000Z", "Z");
}

function _phone(rng: Rng, country: string): string {
  const d = () => String(_int(rng, 0, 9));
  switch (country) {
    case "FR":
      return `+33 1 ${d()}${d()} ${d()}${d()} ${d()}${d()} ${d()}${d()}`;
    case "GB":
      return `+44 20 ${d()}${d()}${d()}${d()} ${d()}${d()}${d()}${d()}`;
    case "DE":
      return `+49 30 ${d()}${d()}${d()}${d()}${d()}${d()}${d()}`;
    default:
      return `+1 ${_int(rng, 201, 989)}-555-${d()}${d()}${d()}${d()}`;
  }
}

function _name(rng: Rng): [string, string] {
  return [_pick(rng, _FIRST_NAMES), _pick(rng, _LAST_NAMES)];
}

function _ascii(text: string): string {
  return text.normalize("NFD").replace(/[^A-Za-z]/g, "").toLowerCase();
}

/**
 * Split up to `fraction * n` records into bursts of `minSize..maxSize` records sharing one second.
 * Sizes shrink for small n; returns the sizes.
 */
function _burstSizes(
  rng: Rng,
  n: number,
  minSize: number,
  maxSize: number,
  fraction: number,
  maxBursts: number,
): number[] {
  if (n < 20) return [];
  const budget = Math.floor(n * fraction);
  const wanted = Math.max(3, Math.min(maxBursts, Math.floor(n / 1500) + 3));
  const cap = Math.floor(budget / wanted);
  const sizes: number[] = [];
  for (let i = 0; i < wanted; i++) {
    if (cap >= minSize) sizes.push(_int(rng, minSize, Math.min(maxSize, cap)));
    else sizes.push(Math.max(2, cap));
  }
  return sizes;
}

/** The shared nested objects calls point at. */
interface _CallPools {
  users: FakeCallUser[];
  numbers: FakeAssignedNumber[];
  teams: FakeTeamSummary[];
  tags: FakeTag[];
  contacts: FakeContact[];
}

/** A user as a call names one. */
export function callUser(user: FakeUser): FakeCallUser {
  return {
    id: user.id,
    direct_link: user.direct_link,
    name: user.name,
    email: user.email,
    available: user.available,
    availability_status: user.availability_status,
    created_at: user.created_at,
    time_zone: user.time_zone,
    language: user.language,
    state: user.state,
    wrap_up_time: user.wrap_up_time,
    extension: user.extension,
  };
}

/** A user as a team lists its members. */
export function teamMember(user: FakeUser): FakeTeamMember {
  return {
    id: user.id,
    direct_link: user.direct_link,
    name: user.name,
    email: user.email,
    availability_status: user.availability_status,
    default_number_id: user.default_number_id,
    created_at: user.created_at,
    time_zone: user.time_zone,
    language: user.language,
    wrap_up_time: user.wrap_up_time,
  };
}

/** A number as a call or a user's list serves it; the flow editor on IVRs and every third other. */
export function assignedNumber(number: FakeNumber): FakeAssignedNumber {
  return {
    ...number,
    flow_editor_enabled: number.is_ivr || number.id % 3 === 0,
  };
}

/** The summary of a team embedded in calls. */
export function teamSummary(team: FakeTeam): FakeTeamSummary {
  return {
    id: team.id,
    name: team.name,
    direct_link: team.direct_link,
    created_at: team.created_at,
  };
}

function _pools(data: FakeData): _CallPools {
  return {
    users: data.users.map(callUser),
    numbers: data.numbers.map(assignedNumber),
    teams: data.teams.map(teamSummary),
    tags: data.tags,
    contacts: data.contacts,
  };
}

function _genNumbers(rng: Rng, n: number, now: number): FakeNumber[] {
  const created = _sortedTimes(rng, n, now - 4 * _YEAR, now - 30 * _DAY);
  const out: FakeNumber[] = [];
  for (let i = 0; i < n; i++) {
    const id = 200_000 + i * 17;
    const country = _pick(rng, _COUNTRIES);
    const open = rng() < 0.7;
    const base = `https://cdn.aircall.io/numbers/${id}`;
    out.push({
      id,
      direct_link: `https://api.aircall.io/v1/numbers/${id}`,
      name: `${
        _pick(rng, ["Support", "Sales", "Billing", "Main", "Ops"])
      } ${country} ${i + 1}`,
      digits: _phone(rng, country),
      country,
      time_zone: _pick(rng, _TIME_ZONES),
      open,
      availability_status: open
        ? (rng() < 0.8 ? "open" : "custom")
        : (rng() < 0.5 ? "closed" : "custom"),
      is_ivr: rng() < 0.3,
      live_recording_activated: rng() < 0.4,
      priority: rng() < 0.3 ? null : _int(rng, 0, 2),
      messages: {
        welcome: `${base}/welcome.mp3`,
        waiting: `${base}/waiting.mp3`,
        ivr: `${base}/ivr.mp3`,
        voicemail: `${base}/voicemail.mp3`,
        closed: `${base}/closed.mp3`,
        callback_later: `${base}/callback_later.mp3`,
        unanswered_call: `${base}/unanswered_call.mp3`,
        after_hours: `${base}/after_hours.mp3`,
        ringing_tone: `${base}/ringing_tone.mp3`,
      },
      created_at: _iso(created[i], i % 2 === 1),
    });
  }
  return out;
}

function _genUsers(
  rng: Rng,
  n: number,
  now: number,
  numbers: FakeNumber[],
): { users: FakeUser[]; availabilities: FakeUserAvailability[] } {
  const created = _sortedTimes(rng, n, now - 4 * _YEAR, now - _DAY);
  const users: FakeUser[] = [];
  const availabilities: FakeUserAvailability[] = [];
  for (let i = 0; i < n; i++) {
    const id = 1_000_000 + i * 11;
    const [first, last] = _name(rng);
    const status = _pick(rng, [
      "available",
      "available",
      "custom",
      "unavailable",
    ]);
    users.push({
      id,
      direct_link: `https://api.aircall.io/v1/users/${id}`,
      name: `${first} ${last}`,
      email: `${_ascii(first)}.${_ascii(last)}.${id}@example.com`,
      created_at: _iso(created[i], i % 2 === 1),
      time_zone: _pick(rng, _TIME_ZONES),
      language: _pick(rng, _LANGUAGES),
      state: rng() < 0.9 ? "active" : "invited",
      wrap_up_time: _pick(rng, [0, 0, 10, 30, 60, 120]),
      extension: rng() < 0.6 ? String(100 + i) : null,
      availability_status: status,
      available: status === "available",
      default_number_id: numbers.length > 0 && rng() < 0.7
        ? _pick(rng, numbers).id
        : null,
      substatus: status === "unavailable" && rng() < 0.6
        ? _pick(rng, _SUBSTATUSES)
        : null,
    });
    availabilities.push({ id, availability: _pick(rng, _AVAILABILITIES) });
  }
  return { users, availabilities };
}

/**
 * Which numbers each user is assigned to: a user's default number and up to three more; a user
 * without a default number mostly none; the first user (an admin) every number, so one list has
 * more than a page.
 */
function _genUserNumbers(
  rng: Rng,
  users: FakeUser[],
  numbers: FakeNumber[],
): Record<number, FakeAssignedNumber[]> {
  const assigned = numbers.map(assignedNumber);
  const out: Record<number, FakeAssignedNumber[]> = {};
  users.forEach((user, i) => {
    const chosen = new Set<number>();
    if (i === 0) { for (const n of numbers) chosen.add(n.id); }
    if (user.default_number_id !== null) chosen.add(user.default_number_id);
    const more = numbers.length === 0
      ? 0
      : user.default_number_id !== null
      ? _int(rng, 0, 3)
      : rng() < 0.2
      ? _int(rng, 1, 2)
      : 0;
    for (let k = 0; k < more; k++) chosen.add(_pick(rng, numbers).id);
    out[user.id] = assigned.filter((n) => chosen.has(n.id));
  });
  return out;
}

/**
 * Power Dialer campaigns and their queues: about a third of users have one, with up to 20 queued
 * numbers (every fifth none); every 25th user from the second on one with more than 50, so queues
 * page.
 */
function _genDialer(
  rng: Rng,
  users: FakeUser[],
  numbers: FakeNumber[],
  now: number,
): Pick<FakeData, "dialerCampaigns" | "dialerNumbers"> {
  const dialerCampaigns: Record<number, FakeDialerCampaign> = {};
  const dialerNumbers: Record<number, FakeDialerNumber[]> = {};
  let nextId = 7_000_000;
  let campaigns = 0;
  users.forEach((user, i) => {
    const long = i % 25 === 1;
    if (!long && rng() >= 0.35) return;
    const created = _int(rng, now - 90 * _DAY, now - 2 * _DAY);
    const fromNumber = numbers.length > 0 ? _pick(rng, numbers).id : 200_000;
    const queue: FakeDialerNumber[] = [];
    const length = long
      ? _int(rng, 51, 130)
      : campaigns++ % 5 === 2
      ? 0
      : _int(rng, 1, 20);
    for (let k = 0; k < length; k++) {
      const digits = _phone(rng, _pick(rng, _COUNTRIES));
      queue.push({
        id: nextId++,
        number: k % 3 === 2 ? digits.replace(/[^0-9+]/g, "") : digits,
        called: rng() < 0.3,
        created_at: _iso(created + k * 60, k % 2 === 0),
      });
    }
    const campaign: FakeDialerCampaign = {
      id: 60_000 + i * 13,
      number_id: i % 2 === 0 ? String(fromNumber) : fromNumber,
      created_at: _iso(created, i % 2 === 1),
    };
    if (length <= 5) campaign.phone_numbers = queue.map((n) => n.number);
    dialerCampaigns[user.id] = campaign;
    dialerNumbers[user.id] = queue;
  });
  return { dialerCampaigns, dialerNumbers };
}

function _genTeams(
  rng: Rng,
  n: number,
  now: number,
  users: FakeUser[],
): FakeTeam[] {
  const summaries = users.map(teamMember);
  const created = _sortedTimes(rng, n, now - 3 * _YEAR, now - _DAY);
  const out: FakeTeam[] = [];
  for (let i = 0; i < n; i++) {
    const id = 30_000 + i * 5;
    const members: FakeTeamMember[] = [];
    const size = summaries.length === 0 ? 0 : _int(rng, 0, 8);
    const seen = new Set<number>();
    for (let k = 0; k < size; k++) {
      const u = _pick(rng, summaries);
      if (!seen.has(u.id)) {
        seen.add(u.id);
        members.push(u);
      }
    }
    out.push({
      id,
      direct_link: `https://api.aircall.io/v1/teams/${id}`,
      name: `${
        _pick(rng, ["Support", "Sales", "Success", "Billing", "Night shift"])
      } ${i + 1}`,
      created_at: _iso(created[i], i % 2 === 0),
      users: members,
    });
  }
  return out;
}

function _genTags(rng: Rng, n: number): FakeTag[] {
  const out: FakeTag[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      id: 5_000 + i * 3,
      name: `${
        _pick(rng, ["VIP", "Callback", "Lead", "Churn risk", "Bug", "Billing"])
      } ${i + 1}`,
      color: _pick(rng, _COLORS),
      description: rng() < 0.4 ? null : `Tag number ${i + 1}`,
    });
  }
  return out;
}

function _genWebhooks(rng: Rng, n: number, now: number): FakeWebhook[] {
  const created = _sortedTimes(rng, n, now - 2 * _YEAR, now - _DAY);
  const out: FakeWebhook[] = [];
  for (let i = 0; i < n; i++) {
    const events = _WEBHOOK_EVENTS.filter(() => rng() < 0.3);
    if (events.length === 0) events.push("call.ended");
    const webhookId = _uuid(rng);
    const hook: FakeWebhook = {
      id: 80_000 + i * 2,
      webhook_id: webhookId,
      direct_link: `https://api.aircall.io/v1/webhooks/${webhookId}`,
      url: `https://hooks.example.com/aircall/${i + 1}`,
      active: rng() < 0.8,
      events,
      token: _hex(rng, 32),
      created_at: _iso(created[i], i % 2 === 1),
    };
    if (rng() < 0.5) hook.custom_name = `Integration ${i + 1}`;
    out.push(hook);
  }
  return out;
}

function _sortedTimes(rng: Rng, n: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(_int(rng, from, to));
  return out.sort((a, b) => a - b);
}

/**
 * Contacts with the given `created_at` values (one per contact, order kept), ids starting at
 * `firstId` in steps of 3; `updated_at` equals `created_at`.
 */
function _makeContacts(
  rng: Rng,
  createdAts: ArrayLike<number>,
  firstId: number,
): FakeContact[] {
  const out: FakeContact[] = [];
  for (let i = 0; i < createdAts.length; i++) {
    const id = firstId + i * 3;
    const [first, last] = _name(rng);
    const country = _pick(rng, _COUNTRIES);
    const phones: FakeContactDetail[] = [];
    const nPhones = _int(rng, 1, 2);
    for (let k = 0; k < nPhones; k++) {
      phones.push({
        id: id * 10 + k,
        label: _pick(rng, ["Work", "Mobile", "Home", "Other"]),
        value: _phone(rng, country).replace(/[ -]/g, ""),
      });
    }
    const emails: FakeContactDetail[] = [];
    const nEmails = _int(rng, 0, 2);
    for (let k = 0; k < nEmails; k++) {
      emails.push({
        id: id * 10 + 5 + k,
        label: _pick(rng, ["Work", "Personal"]),
        value: `${_ascii(first)}${k === 0 ? "" : k}.${
          _ascii(last)
        }@example.org`,
      });
    }
    out.push({
      id,
      direct_link: `https://api.aircall.io/v1/contacts/${id}`,
      first_name: first,
      last_name: last,
      company_name: rng() < 0.6 ? _pick(rng, _COMPANIES) : null,
      information: rng() < 0.3
        ? `Met at ${_pick(rng, _COMPANIES)} event`
        : null,
      is_shared: rng() < 0.85,
      created_at: createdAts[i],
      updated_at: createdAts[i],
      phone_numbers: phones,
      emails,
    });
  }
  return out;
}

function _genContacts(rng: Rng, n: number, now: number): FakeContact[] {
  const times: number[] = [];
  const start = now - 3 * _YEAR;
  // Imports: bursts of 50-200 contacts created in the same second.
  for (const size of _burstSizes(rng, n, 50, 200, 0.3, 6)) {
    const t = _int(rng, start, now - 2 * _DAY);
    for (let k = 0; k < size && times.length < n; k++) times.push(t);
  }
  while (times.length < n) times.push(_int(rng, start, now - 60));
  times.sort((a, b) => a - b);
  const contacts = _makeContacts(rng, times, 500_000_000);
  const bulkSecond = now - 3 * _DAY;
  for (const c of contacts) {
    const r = rng();
    if (r < 1 / 3) {
      // Recently updated, within the last three weeks.
      c.updated_at = Math.max(c.created_at, now - _int(rng, 0, 21 * _DAY));
    } else if (r < 0.65) {
      c.updated_at = Math.min(now, c.created_at + _int(rng, 0, 30 * _DAY));
    }
  }
  // A bulk edit: a group of contacts updated in the same second.
  if (n >= 100) {
    let done = 0;
    for (let i = 0; i < contacts.length && done < 25; i += 7) {
      if (contacts[i].created_at <= bulkSecond) {
        contacts[i].updated_at = bulkSecond;
        done++;
      }
    }
  }
  return contacts;
}

/** `started_at` values for n calls: recent spread, ~3% beyond the horizon, bursts, edges. */
function _callTimes(rng: Rng, n: number, now: number): Float64Array {
  const horizon = now - CALLS_HISTORY_SECONDS;
  const recentStart = now - 167 * _DAY; // ~5.5 months
  const times = new Float64Array(n);
  let len = 0;
  const push = (t: number, k = 1) => {
    for (let i = 0; i < k && len < n; i++) times[len++] = t;
  };
  if (n >= 50) {
    // The horizon edge itself: visible at now - H, invisible one second before.
    push(horizon, 2);
    push(horizon - 1, 2);
  }
  // ~3% older than the horizon.
  const old = Math.round(n * 0.03) - (n >= 50 ? 2 : 0);
  for (let i = 0; i < old; i++) {
    push(_int(rng, horizon - 20 * _DAY, horizon - 2));
  }
  // Bursts of 100-300 calls sharing a second; the first on a day boundary, the second on an hour.
  const bursts = _burstSizes(rng, n, 100, 300, 0.3, 20);
  bursts.forEach((size, i) => {
    let t = _int(rng, recentStart + _DAY, now - 2 * _DAY);
    if (i === 0) t -= t % _DAY;
    else if (i === 1) t -= t % 3600;
    push(t, size);
  });
  // Many calls exactly on UTC day boundaries, a few per boundary.
  let onDays = Math.round(n * 0.02);
  while (onDays > 0) {
    const t = _int(rng, recentStart, now);
    const k = Math.min(onDays, _int(rng, 2, 6));
    push(t - (t % _DAY), k);
    onDays -= k;
  }
  if (n >= 50) push(now, 3);
  while (len < n) push(_int(rng, recentStart, now));
  return times.sort();
}

/**
 * Calls for the given `started_at` values, ids from `firstId` in steps of 7, nested objects taken
 * from `pools`.
 */
function _makeCalls(
  rng: Rng,
  startedAts: ArrayLike<number>,
  firstId: number,
  pools: _CallPools,
): FakeCall[] {
  const out: FakeCall[] = new Array(startedAts.length);
  const users = pools.users;
  const hasUsers = users.length > 0;
  for (let i = 0; i < startedAts.length; i++) {
    const id = firstId + i * 7;
    const started = startedAts[i];
    const direction = rng() < 0.6 ? "inbound" : "outbound";
    const answered = rng() < 0.72;
    const ring = _int(rng, 1, 35);
    const talk = answered ? _int(rng, 5, 1800) : 0;
    const answeredAt = answered ? started + ring : null;
    const ended = started + ring + talk;
    const user = hasUsers && (answered || direction === "outbound")
      ? _pick(rng, users)
      : null;
    const country = _pick(rng, _COUNTRIES);
    const number = pools.numbers.length > 0 ? _pick(rng, pools.numbers) : null;
    const contact = _callerContact(rng, pools.contacts, started);
    const rawDigits = contact !== null
      ? contact.phone_numbers[0].value
      : rng() < 0.03
      ? "anonymous"
      : _phone(rng, country);
    const hasRecording = answered && rng() < 0.6;
    const hasVoicemail = !answered && direction === "inbound" && rng() < 0.4;
    const transferred = hasUsers && answered && rng() < 0.05;
    const sig = _hex(rng, 16);
    const comments: FakeComment[] = [];
    if (rng() < 0.1) {
      const nComments = _int(rng, 1, 2);
      for (let k = 0; k < nComments; k++) {
        comments.push({
          id: id * 10 + k,
          content: _pick(rng, _COMMENTS),
          posted_at: ended + _int(rng, 10, 7200),
          posted_by: hasUsers && rng() < 0.9 ? _pick(rng, users) : null,
        });
      }
    }
    const tags: FakeTag[] = [];
    if (pools.tags.length > 0 && rng() < 0.35) {
      tags.push(_pick(rng, pools.tags));
      if (rng() < 0.3) {
        const t = _pick(rng, pools.tags);
        if (t !== tags[0]) tags.push(t);
      }
    }
    const callTags = tags.map((tag, k) =>
      _callTag(tag, i + k, ended, users[(i + k) % users.length] ?? null)
    );
    const teams: FakeTeamSummary[] = pools.teams.length > 0 && rng() < 0.5
      ? [_pick(rng, pools.teams)]
      : [];
    const participants: FakeParticipant[] = [];
    if (contact !== null || rng() < 0.9) {
      participants.push(
        contact !== null
          ? {
            id: String(contact.id),
            type: "contact",
            name: `${contact.first_name} ${contact.last_name}`,
            phone_number: rawDigits,
          }
          : {
            type: "external",
            name: null,
            phone_number: rawDigits === "anonymous" ? null : rawDigits,
          },
      );
      if (user !== null) {
        participants.push({
          id: String(user.id),
          type: "user",
          name: user.name,
          phone_number: null,
        });
      }
    }
    const parties = transferred
      ? { conference_participants: participants }
      : { participants };
    // Some missed inbound calls name their automatic callback (or null).
    const callback = !answered && direction === "inbound" && i % 3 !== 2
      ? { automatic_callback_call_id: i % 3 === 0 ? id + 7 : null }
      : {};
    out[i] = {
      id,
      sid: `CA${_hex(rng, 32)}`,
      direct_link: `https://api.aircall.io/v1/calls/${id}`,
      direction,
      status: "done",
      missed_call_reason: answered ? null : _pick(rng, _MISSED_REASONS),
      started_at: started,
      answered_at: answeredAt,
      ended_at: ended,
      duration: ended - started,
      raw_digits: rawDigits,
      voicemail: hasVoicemail
        ? `https://aircall-voicemails.s3.amazonaws.com/calls/${id}/voicemail.mp3?X-Amz-Expires=600&X-Amz-Signature=${sig}`
        : null,
      recording: hasRecording
        ? `https://aircall-recordings.s3.amazonaws.com/calls/${id}/recording.mp3?X-Amz-Expires=600&X-Amz-Signature=${sig}`
        : null,
      recording_short_url: hasRecording
        ? `https://short-urls.aircall.io/v1/${_base62(rng, 10)}`
        : null,
      voicemail_short_url: hasVoicemail
        ? `https://short-urls.aircall.io/v1/${_base62(rng, 10)}`
        : null,
      asset: hasRecording || hasVoicemail
        ? `https://assets.aircall.io/calls/${id}/${
          hasRecording ? "recording" : "voicemail"
        }`
        : null,
      archived: rng() < 0.1,
      cost: (rng() * 0.5).toFixed(3),
      pricing_type: rng() < 0.2
        ? null
        : _pick(rng, ["local", "international", "premium"]),
      country_code_a2: country,
      ...callback,
      user,
      assigned_to: hasUsers && rng() < 0.25 ? _pick(rng, users) : null,
      transferred_by: transferred ? user : null,
      transferred_to: transferred ? _pick(rng, users) : null,
      contact,
      number,
      teams,
      tags: callTags,
      comments,
      ...parties,
      ivr_options_selected: direction === "inbound" && number?.is_ivr === true
        ? _ivrPath(rng, started, answered)
        : _NONE,
      ai_voice_agents: direction === "inbound" && rng() < 0.15
        ? _aiVoiceAgents(rng, started, ring + talk, pools)
        : _NONE,
    };
  }
  return out;
}

/**
 * A tag as a call lists it: who tagged and when in one of several shapes (`variant` picks), as the
 * types are undocumented, or neither.
 */
function _callTag(
  tag: FakeTag,
  variant: number,
  ended: number,
  by: FakeCallUser | null,
): FakeCallTag {
  const at = ended + 30 + (variant % 600);
  switch (variant % 5) {
    case 0:
      return { ...tag, tagged_by: by, created_at: _iso(at, true) };
    case 1:
      return { ...tag, tagged_by: by?.id ?? null, created_at: at };
    case 2:
      return { ...tag, tagged_by: null, created_at: _iso(at, false) };
    case 3:
      return { ...tag, tagged_by: by, created_at: at };
    default:
      return tag;
  }
}

// --- What the calls list embeds on request (fetch_contact, fetch_call_timeline, fetch_aiva_conv) ---

/** The empty expansion, shared: most calls have no IVR path and no AI voice agent. */
const _NONE: readonly never[] = Object.freeze([]);

const _IVR_OPTIONS: readonly [string, string][] = [
  ["Sales", "1"],
  ["Support", "2"],
  ["Billing", "3"],
  ["Opening hours", "4"],
  ["Speak to an agent", "0"],
];

const _AI_AGENTS: readonly [string, string][] = [
  ["aiva_7f3c2a", "Ava"],
  ["aiva_19b4e0", "Max"],
  ["aiva_c05d91", "Nora"],
];

/**
 * The contact of a call's caller, or null: about a quarter of calls come from a contact that
 * existed when the call started.
 */
function _callerContact(
  rng: Rng,
  contacts: FakeContact[],
  started: number,
): FakeContact | null {
  if (contacts.length === 0 || rng() >= 0.25) return null;
  const contact = _pick(rng, contacts);
  return contact.created_at <= started && contact.phone_numbers.length > 0
    ? contact
    : null;
}

/** The IVR choices of an inbound call to an IVR number: one to three, or none (hung up at once). */
function _ivrPath(
  rng: Rng,
  started: number,
  answered: boolean,
): readonly FakeIvrOption[] {
  if (rng() < 0.15) return _NONE;
  const path: FakeIvrOption[] = [];
  let at = started + _int(rng, 3, 8);
  const choices = _int(rng, 1, 3);
  for (let k = 0; k < choices; k++) {
    const [title, key] = _pick(rng, _IVR_OPTIONS);
    const hungUp = !answered && k === choices - 1 && rng() < 0.5;
    const ends = at + _int(rng, 1, 4);
    path.push({
      id: _uuid(rng),
      title,
      key,
      branch: k === 0 ? "Main menu" : `${title} menu`,
      created_at: _iso(at, true),
      transition_started_at: _iso(at, true),
      transition_ended_at: hungUp ? null : _iso(ends, true),
    });
    at = ends + _int(rng, 2, 6);
  }
  return path;
}

/** AI voice agent segments of an inbound call: one, or two when the first escalates to another agent. */
function _aiVoiceAgents(
  rng: Rng,
  started: number,
  length: number,
  pools: _CallPools,
): readonly FakeAiVoiceAgent[] {
  const segments: FakeAiVoiceAgent[] = [];
  let at = started + 1;
  const count = rng() < 0.2 ? 2 : 1;
  for (let k = 0; k < count; k++) {
    const [agentId, agentName] = _pick(rng, _AI_AGENTS);
    const ends = at + _int(rng, 5, Math.max(5, Math.floor(length / count)));
    const escalates = k < count - 1 || rng() < 0.4;
    let target: FakeAiVoiceAgent["escalation_target"] = null;
    if (k < count - 1) {
      target = { type: "branch", destination: "AI agents" };
    } else if (escalates) {
      const type = _pick(rng, ["user", "team", "branch", "external"] as const);
      target = {
        type,
        destination: type === "user" && pools.users.length > 0
          ? String(_pick(rng, pools.users).id)
          : type === "team" && pools.teams.length > 0
          ? String(_pick(rng, pools.teams).id)
          : type === "external"
          ? _phone(rng, "US")
          : "Support",
      };
    }
    segments.push({
      agent_id: agentId,
      agent_name: agentName,
      started_at: _iso(at, true),
      ended_at: _iso(ends, true),
      end_reason: escalates
        ? "escalated"
        : rng() < 0.7
        ? "completed"
        : "caller_hung_up",
      escalation_reason: escalates
        ? _pick(rng, [
          "caller_request",
          "intent_not_supported",
          "low_confidence",
        ])
        : null,
      escalation_target: target,
    });
    at = ends;
  }
  return segments;
}

/**
 * `count` new calls all started at `startedAt`, with ids above every id in `data.calls`. The calls
 * are returned, not added to `data`.
 */
export function createCalls(
  data: FakeData,
  rng: Rng,
  count: number,
  startedAt: number,
): FakeCall[] {
  let maxId = 3_000_000_000 - 7;
  for (const c of data.calls) if (c.id > maxId) maxId = c.id;
  const times = new Array<number>(count).fill(startedAt);
  return _makeCalls(rng, times, maxId + 7, _pools(data));
}

/**
 * `count` new contacts all created (and updated) at `createdAt`, with ids above every id in
 * `data.contacts`. The contacts are returned, not added to `data`.
 */
export function createContacts(
  data: FakeData,
  rng: Rng,
  count: number,
  createdAt: number,
): FakeContact[] {
  let maxId = 500_000_000 - 3;
  for (const c of data.contacts) if (c.id > maxId) maxId = c.id;
  const times = new Array<number>(count).fill(createdAt);
  return _makeContacts(rng, times, maxId + 3);
}

function _count(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`invalid count: ${value}`);
  }
  return Math.floor(value);
}

/** Generate the whole dataset, deterministically from `seed` and `now`. */
export function generateData(options: GenerateDataOptions): FakeData {
  const now = Math.floor(options.now);
  const seed = options.seed ?? 1;
  const c = options.counts ?? {};
  const counts: FakeCounts = {
    calls: _count(c.calls, DEFAULT_COUNTS.calls),
    contacts: _count(c.contacts, DEFAULT_COUNTS.contacts),
    users: _count(c.users, DEFAULT_COUNTS.users),
    numbers: _count(c.numbers, DEFAULT_COUNTS.numbers),
    teams: _count(c.teams, DEFAULT_COUNTS.teams),
    tags: _count(c.tags, DEFAULT_COUNTS.tags),
    webhooks: _count(c.webhooks, DEFAULT_COUNTS.webhooks),
  };
  const numbers = _genNumbers(streamRng(seed, "numbers"), counts.numbers, now);
  const { users, availabilities } = _genUsers(
    streamRng(seed, "users"),
    counts.users,
    now,
    numbers,
  );
  const teams = _genTeams(streamRng(seed, "teams"), counts.teams, now, users);
  const tags = _genTags(streamRng(seed, "tags"), counts.tags);
  const webhooks = _genWebhooks(
    streamRng(seed, "webhooks"),
    counts.webhooks,
    now,
  );
  const contacts = _genContacts(
    streamRng(seed, "contacts"),
    counts.contacts,
    now,
  );
  const data: FakeData = {
    calls: [],
    contacts,
    users,
    availabilities,
    numbers,
    teams,
    tags,
    webhooks,
    company: {
      name: "Acme Support Inc.",
      users_count: users.length,
      numbers_count: numbers.length,
    },
    userNumbers: _genUserNumbers(
      streamRng(seed, "user_numbers"),
      users,
      numbers,
    ),
    ..._genDialer(streamRng(seed, "dialer"), users, numbers, now),
  };
  const callRng = streamRng(seed, "calls");
  data.calls = _makeCalls(
    callRng,
    _callTimes(callRng, counts.calls, now),
    3_000_000_000,
    _pools(data),
  );
  return data;
}
