import { recordSchema, scalar } from "../json_schema.ts";
import { assignedNumberProperties } from "./_shapes.ts";
import type { StreamDefinition } from "./definition.ts";
import { users } from "./users.ts";

/** `GET /v2/users/{id}/numbers` for each user: who answers which number. */
export const userNumbers: StreamDefinition = {
  name: "user_numbers",
  path: "/v2/users/{id}/numbers",
  key: "numbers",
  primaryKey: ["user_id", "id"],
  paging: {
    kind: "children",
    parent: users,
    parentField: "user_id",
    each: "list",
    notFound: "parent_deleted",
  },
  description:
    "The numbers each user is assigned to: one record per user and number, the number's fields plus user_id. No update marker: full refresh only.",
  schema: recordSchema({
    user_id: scalar("integer"),
    ...assignedNumberProperties,
  }),
};
