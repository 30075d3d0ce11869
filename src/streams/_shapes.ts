/** Nested shapes shared by several Aircall resources. @module */

import {
  array,
  dateTime,
  type JsonSchema,
  nullable,
  object,
  scalar,
} from "../json_schema.ts";

/** A user as embedded in calls and teams. */
export const userSummary: JsonSchema = object({
  id: scalar("integer"),
  direct_link: nullable("string"),
  name: nullable("string"),
  email: nullable("string"),
  available: nullable("boolean"),
  availability_status: nullable("string"),
  created_at: dateTime(),
  time_zone: nullable("string"),
  language: nullable("string"),
});

/** A team as embedded in calls. */
export const teamSummary: JsonSchema = object({
  id: scalar("integer"),
  name: nullable("string"),
  direct_link: nullable("string"),
  created_at: dateTime(),
});

/** The number fields, shared by the numbers stream and each call's `number`. */
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
