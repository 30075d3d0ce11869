import { recordSchema } from "../json_schema.ts";
import { contactProperties } from "./_shapes.ts";
import type { StreamDefinition } from "./definition.ts";

/** `GET /v1/contacts`: windows on `created_at`, incremental on `updated_at`. */
export const contacts: StreamDefinition = {
  name: "contacts",
  path: "/v1/contacts",
  key: "contacts",
  primaryKey: ["id"],
  paging: { kind: "windows", field: "created_at", fromExclusive: false },
  incremental: { kind: "updated_desc", cursor: "updated_at" },
  description:
    "Contacts created since start_date. Incremental walks the most recently updated first, down to the saved cursor.",
  schema: recordSchema(contactProperties),
};
