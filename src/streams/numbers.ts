import { recordSchema } from "../json_schema.ts";
import { numberProperties } from "./_shapes.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v1/numbers`: the company's phone numbers. */
export const numbers: StreamDefinition = {
  name: "numbers",
  path: "/v1/numbers",
  key: "numbers",
  primaryKey: ["id"],
  paging: { kind: "pages" },
  description: "Phone numbers. No update marker: full refresh only.",
  schema: recordSchema(numberProperties),
};
