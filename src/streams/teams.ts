import {
  array,
  dateTime,
  nullable,
  recordSchema,
  scalar,
} from "../json_schema.ts";
import { teamMember } from "./_shapes.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v1/teams`: teams with their members. */
export const teams: StreamDefinition = {
  name: "teams",
  path: "/v1/teams",
  key: "teams",
  primaryKey: ["id"],
  paging: { kind: "pages" },
  description: "Teams and their users. No update marker: full refresh only.",
  schema: recordSchema({
    id: scalar("integer"),
    direct_link: nullable("string"),
    name: nullable("string"),
    created_at: dateTime(),
    users: array(teamMember),
  }),
};
