import {
  array,
  dateTime,
  nullable,
  recordSchema,
  scalar,
} from "../json_schema.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v1/webhooks`: webhook subscriptions, without their signing token. */
export const webhooks: StreamDefinition = {
  name: "webhooks",
  path: "/v1/webhooks",
  key: "webhooks",
  primaryKey: ["webhook_id"],
  paging: { kind: "pages" },
  // The signing token is a secret: it never reaches the destination.
  omit: ["token"],
  description:
    "Webhooks, keyed by webhook_id; the signing token is dropped. Full refresh only.",
  schema: recordSchema({
    webhook_id: scalar("string"),
    id: nullable("integer"),
    direct_link: nullable("string"),
    url: nullable("string"),
    active: nullable("boolean"),
    events: array(scalar("string")),
    created_at: dateTime(),
    custom_name: nullable("string"),
  }),
};
