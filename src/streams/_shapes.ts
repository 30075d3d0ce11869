/** Nested shapes shared by several Aircall resources. @module */

import {
  anyJson,
  array,
  dateTime,
  type JsonSchema,
  nullable,
  object,
  scalar,
} from "../json_schema.ts";

/** The fields of a user as `/v2/users` serves them: the users stream's. */
export const userProperties: Record<string, JsonSchema> = {
  id: scalar("integer"),
  direct_link: nullable("string"),
  name: nullable("string"),
  email: nullable("string"),
  created_at: dateTime(),
  time_zone: nullable("string"),
  language: nullable("string"),
  state: nullable("string"),
  wrap_up_time: nullable("integer"),
  extension: nullable("string"),
  availability_status: nullable("string"),
  available: nullable("boolean"),
  default_number_id: nullable("integer"),
  substatus: nullable("string"),
};

/** Some of `properties`, for a nested variant that serves fewer fields. */
function _only(
  properties: Record<string, JsonSchema>,
  names: readonly string[],
): Record<string, JsonSchema> {
  return Object.fromEntries(names.map((name) => {
    const property = properties[name];
    if (property === undefined) throw new Error(`No property ${name}`);
    return [name, property];
  }));
}

/**
 * A user as a call names one (`user`, `assigned_to`, `transferred_by`,
 * `transferred_to`, a comment's `posted_by`): the top-level user without
 * `substatus` and `default_number_id`.
 */
export const callUser: JsonSchema = object(_only(userProperties, [
  "id",
  "direct_link",
  "name",
  "email",
  "available",
  "availability_status",
  "created_at",
  "time_zone",
  "language",
  "state",
  "wrap_up_time",
  "extension",
]));

/**
 * A member of a team (`teams[].users[]`): the top-level user without
 * `state`, `extension` and `substatus`. Aircall does not serve `available`
 * there either; it stays declared because earlier catalogs had it, and
 * dropping a field would break their destinations.
 */
export const teamMember: JsonSchema = object(_only(userProperties, [
  "id",
  "direct_link",
  "name",
  "email",
  "available",
  "availability_status",
  "default_number_id",
  "created_at",
  "time_zone",
  "language",
  "wrap_up_time",
]));

/** A team as embedded in calls. */
export const teamSummary: JsonSchema = object({
  id: scalar("integer"),
  name: nullable("string"),
  direct_link: nullable("string"),
  created_at: dateTime(),
});

/** The number fields as `/v1/numbers` serves them: the numbers stream's. */
export const numberProperties: Record<string, JsonSchema> = {
  id: scalar("integer"),
  direct_link: nullable("string"),
  name: nullable("string"),
  digits: nullable("string"),
  country: nullable("string"),
  time_zone: nullable("string"),
  open: nullable("boolean"),
  availability_status: nullable("string"),
  is_ivr: nullable("boolean"),
  live_recording_activated: nullable("boolean"),
  priority: nullable("integer"),
  messages: object(
    Object.fromEntries(
      [
        "welcome",
        "waiting",
        "ivr",
        "voicemail",
        "closed",
        "callback_later",
        "unanswered_call",
        "after_hours",
        "ringing_tone",
      ].map((name) => [name, nullable("string")]),
    ),
  ),
  created_at: dateTime(),
};

/**
 * A number as a call or a user's list serves it (each call's `number`,
 * `/v2/users/{id}/numbers`): the numbers stream's fields and whether the
 * number's routing is built with the flow editor.
 */
export const assignedNumberProperties: Record<string, JsonSchema> = {
  ...numberProperties,
  flow_editor_enabled: nullable("boolean"),
};

/** The tag fields as `/v1/tags` serves them: the tags stream's. */
export const tagProperties: Record<string, JsonSchema> = {
  id: scalar("integer"),
  name: nullable("string"),
  color: nullable("string"),
  description: nullable("string"),
};

/**
 * A tag of a call: the tag, and who tagged the call when, where served.
 * Neither type is documented (a user or an id; ISO or unix seconds):
 * both are any JSON value.
 */
export const callTag: JsonSchema = object({
  ...tagProperties,
  tagged_by: anyJson(),
  created_at: anyJson(),
});

/**
 * A party to a call (`participants`, and `conference_participants`, the
 * name conference calls may use instead): `id` is a string (a user's or a
 * contact's), absent for an external party.
 */
export const callParticipant: JsonSchema = object({
  id: nullable("string"),
  type: nullable("string"),
  name: nullable("string"),
  phone_number: nullable("string"),
});

/** A contact's phone numbers and emails. */
const labelledValues: JsonSchema = array(object({
  id: scalar("integer"),
  label: nullable("string"),
  value: nullable("string"),
}));

/**
 * The contact fields, shared by the contacts stream and each call's
 * `contact` (the calls list embeds the whole contact with `fetch_contact`).
 */
export const contactProperties: Record<string, JsonSchema> = {
  id: scalar("integer"),
  direct_link: nullable("string"),
  first_name: nullable("string"),
  last_name: nullable("string"),
  company_name: nullable("string"),
  information: nullable("string"),
  is_shared: nullable("boolean"),
  created_at: scalar("integer"),
  updated_at: scalar("integer"),
  phone_numbers: labelledValues,
  emails: labelledValues,
};
