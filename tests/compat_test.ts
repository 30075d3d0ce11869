/**
 * The catalog compatibility rules the snapshot tests apply: additions pass,
 * removals, renames and type changes of existing fields fail.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalogAdditions, catalogBreakingChanges } from "./_compat.ts";

type Schema = Record<string, unknown>;

const str = { type: ["null", "string"] };
const int = { type: "integer" };

/** A one-stream catalog with the given record properties. */
function catalogOf(
  properties: Record<string, Schema>,
  extra: Schema = {},
) {
  return {
    streams: [{
      name: "calls",
      json_schema: { type: "object", properties },
      supported_sync_modes: ["full_refresh"],
      source_defined_primary_key: [["id"]],
      ...extra,
    }],
  };
}

const BEFORE = catalogOf({
  id: int,
  contact: { type: ["null", "object"], properties: { id: int, name: str } },
  ivr: {
    type: ["null", "array"],
    items: { type: ["null", "object"], properties: {} },
  },
  tags: { type: ["null", "array"], items: str },
  loose: {},
  at: { type: ["null", "string"], format: "date-time" },
});

function changed(mutate: (properties: Record<string, Schema>) => void) {
  const after = structuredClone(BEFORE);
  mutate(after.streams[0].json_schema.properties as Record<string, Schema>);
  return catalogBreakingChanges(BEFORE, after);
}

describe("catalog compatibility", () => {
  it("passes additions: a new stream, new fields at any depth, a sync mode, typing what was open", () => {
    const after = structuredClone(BEFORE);
    const calls = after.streams[0];
    const properties = calls.json_schema.properties as Record<string, Schema>;
    properties.ai = {
      type: ["null", "array"],
      items: { type: "object", properties: { x: str } },
    };
    (properties.contact.properties as Record<string, Schema>).email = str;
    (properties.ivr.items as Schema).properties = { title: str };
    properties.loose = { type: ["null", "string"] };
    calls.supported_sync_modes.push("incremental");
    after.streams.push({
      ...structuredClone(BEFORE.streams[0]),
      name: "user_numbers",
    });
    assert.deepEqual(catalogBreakingChanges(BEFORE, after), []);
    assert.deepEqual(catalogAdditions(BEFORE, after), [
      "calls gained sync mode incremental",
      "calls.contact.email added",
      "calls.ivr[].title added",
      "calls.ai added",
      "stream user_numbers added",
    ]);
  });

  it("passes a nested field that becomes any JSON value, and lists it", () => {
    const after = structuredClone(BEFORE);
    const properties = after.streams[0].json_schema.properties as Record<
      string,
      Schema
    >;
    (properties.contact.properties as Record<string, Schema>).name = {};
    properties.ivr.items = { description: "Any JSON value" };
    assert.deepEqual(catalogBreakingChanges(BEFORE, after), []);
    assert.deepEqual(catalogAdditions(BEFORE, after), [
      "calls.contact.name accepts any JSON value",
      "calls.ivr[] accepts any JSON value",
    ]);
  });

  it("refuses a top-level field that becomes any JSON value: its column changes type", () => {
    assert.deepEqual(changed((p) => p.at = {}), [
      "calls.at type null,string became undefined",
      "calls.at format changed",
    ]);
  });

  it("passes a field that becomes nullable", () => {
    assert.deepEqual(changed((p) => p.id = { type: ["null", "integer"] }), []);
  });

  it("refuses removals and renames, at any depth", () => {
    assert.deepEqual(changed((p) => delete p.at), ["calls.at was removed"]);
    assert.deepEqual(
      changed((p) => {
        const contact = p.contact.properties as Record<string, Schema>;
        contact.full_name = contact.name;
        delete contact.name;
      }),
      ["calls.contact.name was removed"],
    );
  });

  it("refuses type changes of existing fields, items included", () => {
    assert.deepEqual(changed((p) => p.id = { type: "string" }), [
      "calls.id type integer became string",
    ]);
    assert.deepEqual(
      changed((p) => p.tags = { type: ["null", "array"], items: int }),
      [
        "calls.tags[] type null,string became integer",
      ],
    );
    assert.deepEqual(changed((p) => p.contact = str), [
      "calls.contact type null,object became null,string",
      "calls.contact.id was removed",
      "calls.contact.name was removed",
    ]);
    assert.deepEqual(changed((p) => p.at = str), ["calls.at format changed"]);
  });

  it("refuses a changed primary key or a lost stream", () => {
    const after = catalogOf(BEFORE.streams[0].json_schema.properties, {
      source_defined_primary_key: [["user_id"], ["id"]],
    });
    assert.deepEqual(catalogBreakingChanges(BEFORE, after), [
      "calls source_defined_primary_key changed",
    ]);
    assert.deepEqual(catalogBreakingChanges(BEFORE, { streams: [] }), [
      "stream calls was removed",
    ]);
  });
});
