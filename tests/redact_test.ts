import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MessageWriter } from "../src/protocol.ts";
import { REDACTED, redactorFor } from "../src/redact.ts";
import { secretFields } from "../src/spec.ts";

describe("redaction", () => {
  const config = { api_id: "my-id", api_token: "s3cr/t+x", start_date: "x" };
  const redact = redactorFor(config);

  it("is driven by the spec's airbyte_secret fields", () => {
    assert.deepEqual(secretFields(), ["api_id", "api_token"]);
  });

  it("masks raw, URL-encoded, JSON-escaped and Basic auth forms", () => {
    const basic = btoa("my-id:s3cr/t+x");
    const text =
      `id my-id token s3cr/t+x url s3cr%2Ft%2Bx json "s3cr\\/t+x" basic ${basic}`;
    const masked = redact(text);
    for (const secret of ["my-id", "s3cr/t+x", "s3cr%2Ft%2Bx", basic]) {
      assert.ok(!masked.includes(secret), `${secret} in ${masked}`);
    }
    assert.ok(masked.includes(REDACTED));
  });

  it("leaves text alone without secrets", () => {
    assert.equal(redactorFor(undefined)("plain"), "plain");
    assert.equal(redactorFor({ api_token: "" })("plain"), "plain");
  });

  it("applies to every message the writer composes, not to records", async () => {
    let out = "";
    const writer = new MessageWriter({
      sink: (text) => {
        out += text;
        return Promise.resolve();
      },
      redact,
      now: () => 1,
    });
    await writer.log("ERROR", "failed with s3cr/t+x");
    await writer.error("system_error", "my-id leaked", "s3cr/t+x");
    await writer.record("tags", { name: "kept as is" });
    await writer.flush();
    assert.ok(!out.includes("s3cr/t+x") && !out.includes("my-id"));
    assert.match(out, /kept as is/);
    assert.equal(out.split("\n").length, 4, "three lines");
  });
});
