import { nullable, recordSchema, scalar } from "../json_schema.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v1/company`: one object, keyed by name (it has no id). */
export const company: StreamDefinition = {
  name: "company",
  path: "/v1/company",
  key: "company",
  primaryKey: ["name"],
  paging: { kind: "object" },
  description: "The company: one record with its name and counts.",
  schema: recordSchema({
    name: scalar("string"),
    users_count: nullable("integer"),
    numbers_count: nullable("integer"),
  }),
};
