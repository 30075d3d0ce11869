import { nullable, recordSchema, scalar } from "../json_schema.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v1/users/availabilities`: each user's current availability. */
export const userAvailability: StreamDefinition = {
  name: "user_availability",
  path: "/v1/users/availabilities",
  key: "users",
  primaryKey: ["id"],
  paging: { kind: "pages" },
  description:
    "Each user's availability right now: a snapshot, full refresh only.",
  schema: recordSchema({
    id: scalar("integer"),
    availability: nullable("string"),
  }),
};
