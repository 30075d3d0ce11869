import {
  array,
  nullable,
  object,
  recordSchema,
  scalar,
} from "../json_schema.ts";
import type { StreamDefinition } from "./definition.ts";

const labelledValue = array(object({
  id: scalar("integer"),
  label: nullable("string"),
  value: nullable("string"),
}));

/** `GET /v1/contacts`: windows on `created_at`, incremental on `updated_at`. */
export const contacts: StreamDefinition = {
  name: "contacts",
  path: "/v1/contacts",
  key: "contacts",
  primaryKey: "id",
  paging: { kind: "windows", field: "created_at", fromExclusive: false },
  incremental: { kind: "updated_desc", cursor: "updated_at" },
  description:
    "Contacts created since start_date. Incremental walks the most recently updated first, down to the saved cursor.",
  schema: recordSchema({
    id: scalar("integer"),
    direct_link: nullable("string"),
    first_name: nullable("string"),
    last_name: nullable("string"),
    company_name: nullable("string"),
    information: nullable("string"),
    is_shared: nullable("boolean"),
    created_at: scalar("integer"),
    updated_at: scalar("integer"),
    phone_numbers: labelledValue,
    emails: labelledValue,
  }),
};
