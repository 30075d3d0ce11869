import { recordSchema } from "../json_schema.ts";
import { tagProperties } from "./_shapes.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v1/tags`: call tags. */
export const tags: StreamDefinition = {
  name: "tags",
  path: "/v1/tags",
  key: "tags",
  primaryKey: ["id"],
  paging: { kind: "pages" },
  description: "Call tags. No timestamps at all: full refresh only.",
  schema: recordSchema(tagProperties),
};
