import { dateTime, nullable, recordSchema, scalar } from "../json_schema.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v2/users` (v1 was shut off on 2026-09-30). */
export const users: StreamDefinition = {
  name: "users",
  path: "/v2/users",
  key: "users",
  primaryKey: ["id"],
  paging: { kind: "pages" },
  description: "Users (agents). No update marker: full refresh only.",
  schema: recordSchema({
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
  }),
};
