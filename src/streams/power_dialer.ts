/**
 * The Power Dialer: each user's campaign and the queue of numbers it is to
 * call. There is no company-wide list, so both fan out over `/v2/users`; a
 * user without a campaign answers 404. The queue is worked through (`called`
 * flips, numbers go) with no update marker: full refresh only.
 *
 * @module
 */

import {
  anyJson,
  array,
  dateTime,
  nullable,
  recordSchema,
  scalar,
} from "../json_schema.ts";
import type { StreamDefinition } from "./definition.ts";
import { users } from "./users.ts";

/** `GET /v1/users/{id}/dialer_campaign` for each user. */
export const dialerCampaigns: StreamDefinition = {
  name: "dialer_campaigns",
  path: "/v1/users/{id}/dialer_campaign",
  key: "dialer_campaign",
  primaryKey: ["user_id"],
  paging: {
    kind: "children",
    parent: users,
    parentField: "user_id",
    each: "object",
    notFound: "none",
  },
  optIn: "one request per user",
  description:
    "Each user's Power Dialer campaign (a user has one at most), with user_id. One request per user; a user without a campaign answers 404 and has no record. No update marker: full refresh only.",
  schema: recordSchema({
    user_id: scalar("integer"),
    id: nullable("integer"),
    // A string in the only documented example, an integer elsewhere in the
    // API: its type is unsure, so any JSON value.
    number_id: anyJson(),
    created_at: dateTime(),
    // In the documented example only, its items undescribed.
    phone_numbers: array(anyJson()),
  }),
};

/** `GET /v1/users/{id}/dialer_campaign/phone_numbers` for each user. */
export const dialerCampaignNumbers: StreamDefinition = {
  name: "dialer_campaign_numbers",
  path: "/v1/users/{id}/dialer_campaign/phone_numbers",
  key: "numbers",
  primaryKey: ["user_id", "id"],
  paging: {
    kind: "children",
    parent: users,
    parentField: "user_id",
    each: "list",
    notFound: "none",
  },
  optIn: "one request per user, and one per 50 queued numbers",
  description:
    "The numbers queued in each user's Power Dialer campaign, whether called yet, with user_id. One request per user (more past 50 queued numbers); a user without a campaign answers 404 and has none. A work queue: full refresh only.",
  schema: recordSchema({
    user_id: scalar("integer"),
    id: scalar("integer"),
    number: nullable("string"),
    called: nullable("boolean"),
    created_at: dateTime(),
  }),
};
