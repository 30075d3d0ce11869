/**
 * How a stream's records become rows of a SQLite table: one column per
 * top-level property of the stream's schema, named as the property, with
 * SQLite's natural type; `_airbyte_extracted_at` on every row; fields the
 * schema does not declare kept as JSON in one more column, so nothing is
 * ever lost.
 *
 * @module
 */

import type { JsonSchema } from "../json_schema.ts";
import type { StreamDefinition } from "../streams/mod.ts";

/** When the connector extracted the row (ISO 8601 text). */
export const EXTRACTED_AT = "_airbyte_extracted_at";

/** Top-level fields the schema does not declare, as one JSON object (or NULL). */
export const ADDITIONAL_PROPERTIES = "_airbyte_additional_properties";

/** A SQLite value as `node:sqlite` binds it. */
export type SqlValue = string | number | null;

/** A column: its name and declared type. */
export interface Column {
  /** The property's name, or one of the two `_airbyte_` columns. */
  name: string;
  /** `INTEGER`, `REAL`, `TEXT` (strings and JSON), or `""` (any type). */
  type: string;
}

/** A stream's table, as the next sync writes it. */
export interface TableLayout {
  /** The stream's (and the table's) name. */
  name: string;
  /** The data columns: the schema's properties, then any older ones kept. */
  columns: Column[];
  /** The primary key's columns (the stream's primary key). */
  primaryKey: readonly string[];
}

/** Double quotes an identifier for SQL. */
export function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** SQLite's natural type of a schema property. */
function _sqlType(property: JsonSchema): string {
  const types = [property.type].flat().filter((type) => type !== "null");
  switch (types.length === 1 ? types[0] : undefined) {
    case "integer":
    case "boolean":
      return "INTEGER";
    case "number":
      return "REAL";
    case "string":
    case "object":
    case "array":
      return "TEXT";
    default:
      return "";
  }
}

/**
 * The table a stream's records go to. Columns a previous schema had (found
 * in the existing table) are kept after the schema's own: nothing is dropped.
 *
 * @param definition The stream.
 * @param existing The existing table's columns, data columns and others.
 * @returns The table's layout.
 */
export function tableLayout(
  definition: StreamDefinition,
  existing: readonly Column[] = [],
): TableLayout {
  const columns: Column[] = Object.entries(definition.schema.properties).map((
    [name, property],
  ) => ({ name, type: _sqlType(property) }));
  const known = new Set([
    ...columns.map((column) => column.name),
    EXTRACTED_AT,
    ADDITIONAL_PROPERTIES,
  ]);
  for (const column of existing) {
    if (!known.has(column.name)) columns.push(column);
  }
  return {
    name: definition.name,
    columns,
    primaryKey: definition.primaryKey,
  };
}

/**
 * The `CREATE TABLE` of a layout, its primary key a separate index. Rows
 * are stored in the order they are written, so pages fill up: were a single
 * integer key the rowid, calls (read in windows, not in id order) would land
 * all over the table and leave its pages half empty, the file half as large
 * again. A column declared exactly `INTEGER PRIMARY KEY` would be the rowid:
 * such a key is declared `INT` (the same integer affinity).
 *
 * @param layout The table's layout.
 * @param table The name to create it under (a staging table's, say).
 */
export function createTableSql(layout: TableLayout, table: string): string {
  const [only, ...rest] = layout.primaryKey;
  const definitions = layout.columns.map(({ name, type }) =>
    `${quote(name)}${
      type === "INTEGER" && name === only && rest.length === 0
        ? " INT"
        : type
        ? ` ${type}`
        : ""
    }`
  );
  definitions.push(
    `${quote(EXTRACTED_AT)} TEXT NOT NULL`,
    `${quote(ADDITIONAL_PROPERTIES)} TEXT`,
    `PRIMARY KEY (${layout.primaryKey.map(quote).join(", ")})`,
  );
  return `CREATE TABLE ${quote(table)} (\n  ${definitions.join(",\n  ")}\n)`;
}

/** Every column a row is written to, in order: the data, then the two `_airbyte_` ones. */
export function allColumns(layout: TableLayout): string[] {
  return [
    ...layout.columns.map((column) => column.name),
    EXTRACTED_AT,
    ADDITIONAL_PROPERTIES,
  ];
}

/** A field's value as SQLite holds it: booleans 0/1, objects and arrays JSON. */
function _sqlValue(value: unknown): SqlValue {
  switch (typeof value) {
    case "string":
    case "number":
      return value;
    case "boolean":
      return value ? 1 : 0;
    case "object":
      return value === null ? null : JSON.stringify(value);
    default:
      return null;
  }
}

/**
 * Turns records into rows of a layout: one function per table, made once.
 *
 * @param layout The table's layout.
 * @returns A function from a record and its extraction time to the values of
 *   {@linkcode allColumns}, in order.
 */
export function rowMaker(
  layout: TableLayout,
): (record: Record<string, unknown>, extractedAt: string) => SqlValue[] {
  const names = layout.columns.map((column) => column.name);
  const declared = new Set(names);
  return (record, extractedAt) => {
    const row: SqlValue[] = names.map((name) => _sqlValue(record[name]));
    let extra: Record<string, unknown> | undefined;
    for (const key in record) {
      if (declared.has(key)) continue;
      (extra ??= {})[key] = record[key];
    }
    row.push(extractedAt, extra ? JSON.stringify(extra) : null);
    return row;
  };
}
