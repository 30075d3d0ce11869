import { nullable, recordSchema, scalar } from "../json_schema.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v1/tags`: call tags. */
export const tags: StreamDefinition = {
  name: "tags",
  path: "/v1/tags",
  key: "tags",
  primaryKey: ["id"],
  paging: { kind: "pages" },
  description: "Call tags. No timestamps at all: full refresh only.",
  schema: recordSchema({
    id: scalar("integer"),
    name: nullable("string"),
    color: nullable("string"),
    description: nullable("string"),
  }),
};
