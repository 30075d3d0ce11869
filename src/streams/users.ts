import { recordSchema } from "../json_schema.ts";
import { userProperties } from "./_shapes.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v2/users` (v1 was shut off on 2026-09-30). */
export const users: StreamDefinition = {
  name: "users",
  path: "/v2/users",
  key: "users",
  primaryKey: ["id"],
  paging: { kind: "pages" },
  description: "Users (agents). No update marker: full refresh only.",
  schema: recordSchema(userProperties),
};
