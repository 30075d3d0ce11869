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

/** Breaking differences between two property trees, as readable lines. */
function _propertyChanges(
  old: Schema | undefined,
  current: Schema | undefined,
  where: string,
): string[] {
  const changes: string[] = [];
  const oldProperties = (old?.properties ?? {}) as Record<string, Schema>;
  const newProperties = (current?.properties ?? {}) as Record<string, Schema>;
  for (const [name, oldProperty] of Object.entries(oldProperties)) {
    const path = `${where}.${name}`;
    const newProperty = newProperties[name];
    if (!newProperty) {
      changes.push(`${path} was removed`);
      continue;
    }
    const before = _types(oldProperty);
    const after = _types(newProperty);
    if (before.some((type) => !after.includes(type))) {
      changes.push(`${path} type ${before} became ${after}`);
    }
    if (oldProperty.format !== newProperty.format) {
      changes.push(`${path} format changed`);
    }
    changes.push(..._propertyChanges(oldProperty, newProperty, path));
    const oldItems = oldProperty.items as Schema | undefined;
    if (oldItems) {
      changes.push(
        ..._propertyChanges(
          oldItems,
          newProperty.items as Schema | undefined,
          `${path}[]`,
        ),
      );
    }
  }
  return changes;
}

/**
 * Breaking changes of a connectionSpecification: removed or retyped fields,
 * new required fields.
 */
export function specBreakingChanges(old: Schema, current: Schema): string[] {
  const changes = _propertyChanges(old, current, "spec");
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
      ..._propertyChanges(before.json_schema, after.json_schema, before.name),
    );
  }
  return changes;
}
