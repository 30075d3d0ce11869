/**
 * Tiny builders for the JSON Schema form that Airbyte destinations digest:
 * nullable types as `["null", T]`, `date-time` formats on ISO strings, nested
 * objects with `properties`, and no `required` lists or `additionalProperties`
 * restrictions (the API may add or omit fields at any time).
 *
 * @module
 */

/** A JSON Schema (draft-07) node. */
export type JsonSchema = { [key: string]: unknown };

/** A JSON Schema node describing an object with named properties. */
export interface ObjectSchema extends JsonSchema {
  /** `"object"`, or `["null", "object"]` when nullable. */
  type: string | string[];
  /** The known fields. */
  properties: Record<string, JsonSchema>;
}

type Scalar = "string" | "integer" | "number" | "boolean";

/**
 * A non-null scalar.
 *
 * @example
 * ```ts
 * scalar("integer"); // { type: "integer" }
 * ```
 */
export function scalar(type: Scalar): JsonSchema {
  return { type };
}

/**
 * A scalar that the API may return as `null`.
 *
 * @example
 * ```ts
 * nullable("string"); // { type: ["null", "string"] }
 * ```
 */
export function nullable(type: Scalar): JsonSchema {
  return { type: ["null", type] };
}

/** An ISO-8601 timestamp string (with or without milliseconds), maybe null. */
export function dateTime(): JsonSchema {
  return { type: ["null", "string"], format: "date-time" };
}

/**
 * A nested object; nullable unless `required` is true (top-level records).
 *
 * @param properties The known properties; others are allowed.
 * @param options.nullable Whether the API may send `null` instead (default true).
 */
export function object(
  properties: Record<string, JsonSchema>,
  options: { nullable?: boolean } = {},
): ObjectSchema {
  return {
    type: options.nullable === false ? "object" : ["null", "object"],
    properties,
  };
}

/**
 * Any JSON value, for a field whose type or inner shape Aircall does not
 * document: no `type` and no properties, so a destination keeps whatever
 * comes (a string, a number, an object...) as JSON rather than nulling or
 * refusing a value of a guessed type.
 *
 * @example
 * ```ts
 * anyJson(); // { description: "Any JSON value: its type is undocumented" }
 * ```
 */
export function anyJson(): JsonSchema {
  return { description: "Any JSON value: its type is undocumented" };
}

/** An array of `items`, maybe null. */
export function array(items: JsonSchema): JsonSchema {
  return { type: ["null", "array"], items };
}

/**
 * A stream's record schema: a draft-07 object that allows additional
 * properties, as Airbyte's acceptance tests expect.
 *
 * @param properties The record's top-level fields.
 * @returns The schema to publish in the catalog.
 */
export function recordSchema(
  properties: Record<string, JsonSchema>,
): ObjectSchema {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    additionalProperties: true,
    properties,
  };
}
