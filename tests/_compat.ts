/**
 * Backward-compatibility checks of the spec and the catalog against the
 * committed snapshots, in the spirit of Airbyte's acceptance tests: what a
 * user's saved config or a destination's tables rely on must not change.
 *
 * @module
 */

type Schema = Record<string, unknown>;

function _types(schema: Schema | undefined): string[] {
  const type = schema?.type;
  return (Array.isArray(type) ? type : [type]).map(String).sort();
}

function _properties(schema: Schema | undefined): Record<string, Schema> {
  return (schema?.properties ?? {}) as Record<string, Schema>;
}

/** Whether a node accepts any JSON value: no type, properties or items. */
function _isAnyJson(schema: Schema | undefined): boolean {
  return schema !== undefined && schema.type === undefined &&
    schema.properties === undefined && schema.items === undefined;
}

/**
 * Breaking differences between two schema nodes and their subtrees, as
 * readable lines: a field removed (or renamed), a type that no longer
 * accepts what it did, a format changed (a destination's column type
 * follows it). Typing a node that had no type, or giving an open object
 * properties, only tightens what a destination already holds: not breaking.
 * Nor is a nested node (inside a top-level field, which destinations keep
 * as JSON) that becomes any JSON value: it accepts all it did, unchanged.
 * `depth` is 0 for the record, 1 for its top-level fields.
 */
function _nodeChanges(
  old: Schema | undefined,
  current: Schema | undefined,
  where: string,
  depth = 0,
): string[] {
  if (depth > 1 && _isAnyJson(current)) return [];
  const changes: string[] = [];
  if (old?.type !== undefined) {
    const before = _types(old);
    const after = _types(current);
    if (before.some((type) => !after.includes(type))) {
      changes.push(`${where} type ${before} became ${after}`);
    }
  }
  if (old?.format !== current?.format) changes.push(`${where} format changed`);
  const after = _properties(current);
  for (const [name, property] of Object.entries(_properties(old))) {
    const path = `${where}.${name}`;
    if (!after[name]) changes.push(`${path} was removed`);
    else changes.push(..._nodeChanges(property, after[name], path, depth + 1));
  }
  if (old?.items) {
    changes.push(
      ..._nodeChanges(
        old.items as Schema,
        current?.items as Schema | undefined,
        `${where}[]`,
        depth + 1,
      ),
    );
  }
  return changes;
}

/**
 * Fields of `current` that `old` lacks, at any depth, as paths; and typed
 * fields of `old` that now accept any JSON value.
 */
function _addedFields(
  old: Schema | undefined,
  current: Schema | undefined,
  where: string,
): string[] {
  if (old !== undefined && !_isAnyJson(old) && _isAnyJson(current)) {
    return [`${where} accepts any JSON value`];
  }
  const added: string[] = [];
  const before = _properties(old);
  for (const [name, property] of Object.entries(_properties(current))) {
    const path = `${where}.${name}`;
    if (!before[name]) added.push(`${path} added`);
    else added.push(..._addedFields(before[name], property, path));
  }
  if (current?.items) {
    added.push(
      ..._addedFields(
        old?.items as Schema | undefined,
        current.items as Schema,
        `${where}[]`,
      ),
    );
  }
  return added;
}

/**
 * Breaking changes of a connectionSpecification: removed or retyped fields,
 * new required fields.
 */
export function specBreakingChanges(old: Schema, current: Schema): string[] {
  const changes = _nodeChanges(old, current, "spec");
  const oldRequired = (old.required ?? []) as string[];
  for (const name of (current.required ?? []) as string[]) {
    if (!oldRequired.includes(name)) {
      changes.push(`spec.${name} became required`);
    }
  }
  return changes;
}

interface CatalogStream {
  name: string;
  json_schema: Schema;
  supported_sync_modes: string[];
  source_defined_primary_key?: string[][];
  default_cursor_field?: string[];
}

/**
 * Breaking changes of a catalog: removed streams or sync modes, changed keys
 * or cursors, removed or retyped fields.
 */
export function catalogBreakingChanges(
  old: { streams: CatalogStream[] },
  current: { streams: CatalogStream[] },
): string[] {
  const changes: string[] = [];
  for (const before of old.streams) {
    const after = current.streams.find((s) => s.name === before.name);
    if (!after) {
      changes.push(`stream ${before.name} was removed`);
      continue;
    }
    for (const mode of before.supported_sync_modes) {
      if (!after.supported_sync_modes.includes(mode)) {
        changes.push(`${before.name} lost sync mode ${mode}`);
      }
    }
    for (
      const key of [
        "source_defined_primary_key",
        "default_cursor_field",
      ] as const
    ) {
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
        changes.push(`${before.name} ${key} changed`);
      }
    }
    changes.push(
      ..._nodeChanges(before.json_schema, after.json_schema, before.name),
    );
  }
  return changes;
}

/**
 * What a catalog adds to another: new streams, sync modes and fields, as
 * readable lines, for a reviewer to confirm before the snapshot is rewritten.
 */
export function catalogAdditions(
  old: { streams: CatalogStream[] },
  current: { streams: CatalogStream[] },
): string[] {
  const additions: string[] = [];
  for (const after of current.streams) {
    const before = old.streams.find((s) => s.name === after.name);
    if (!before) {
      additions.push(`stream ${after.name} added`);
      continue;
    }
    for (const mode of after.supported_sync_modes) {
      if (!before.supported_sync_modes.includes(mode)) {
        additions.push(`${after.name} gained sync mode ${mode}`);
      }
    }
    additions.push(
      ..._addedFields(before.json_schema, after.json_schema, after.name),
    );
  }
  return additions;
}
