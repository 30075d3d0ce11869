/**
 * `sync`: the real CLI, as a subprocess, syncs the fake Aircall API into a
 * SQLite file; the tables are read back and compared with what `read` of
 * the same API returns. Under Deno (write access to the database file
 * only) and, through the npm build, under Node 22.13+; under an older Node,
 * sync says which version it needs.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import type { DatabaseSync } from "node:sqlite";
import { RUN_FLAGS } from "../scripts/run_flags.ts";
import { runCli as runCliInProcess } from "../src/cli.ts";
import { RunStoppingError } from "../src/errors.ts";
import { defaultStreams } from "../src/inputs.ts";
import { type StreamFigures, SyncStore } from "../src/sync/store.ts";
import { formatSummary } from "../src/sync/summary.ts";
import {
  allColumns,
  createTableSql,
  rowMaker,
  tableLayout,
} from "../src/sync/tables.ts";
import { type StreamDefinition, STREAMS } from "../src/streams/mod.ts";
import { mulberry32 } from "./fake_aircall/data.ts";
import type { FakeAircall } from "./fake_aircall/mod.ts";
import {
  type CliRun,
  readFake,
  recordsByStream,
  REPORT_STATUS,
  ROOT,
  runCliText,
  spawnCli,
  startFake,
  syncCommand,
  tempDir,
  TEST_API_TOKEN,
  testConfig,
  writeJson,
} from "./_helpers.ts";

const [major, minor] = process.versions.node.split(".").map(Number);
/** Whether this runtime has `node:sqlite` (Deno, Node 22.13+). */
const HAS_SQLITE = Boolean(process.versions.deno) || major > 22 ||
  (major === 22 && minor >= 13);
const sqlite = HAS_SQLITE ? await import("node:sqlite") : undefined;

const DEFAULT = defaultStreams().map((s) => s.definition);

/** How {@linkcode sync} runs, when not as the tests' CLI with the test config. */
interface SyncOptions {
  /** The config's fields that differ from the test config. */
  config?: Record<string, unknown>;
  /** The command that runs the CLI (default: {@linkcode syncCommand}). */
  command?: readonly string[];
}

/** A sync of `db` against `fake`; stdout is text. */
function sync(
  fake: FakeAircall,
  db: string,
  args: string[] = [],
  options: SyncOptions = {},
): ReturnType<typeof spawnCli> {
  const config = writeJson(
    tempDir(),
    "config.json",
    testConfig(options.config),
  );
  return spawnCli(
    ["sync", "--config", config, "--db", db, ...args],
    { AIRCALL_API_URL: fake.url },
    options.command ?? syncCommand(db),
    false,
  );
}

/** Runs a sync to its end. */
function syncRun(
  fake: FakeAircall,
  db: string,
  args: string[] = [],
): Promise<CliRun> {
  return sync(fake, db, args).result;
}

/** A sync of `db` under `deno run`, allowed to write `allowWrite` only. */
function syncUnderDeno(
  fake: FakeAircall,
  db: string,
  allowWrite: string,
  deno: string,
): Promise<CliRun> {
  return sync(fake, db, [], {
    command: [
      deno,
      "run",
      ...RUN_FLAGS,
      `--allow-write=${allowWrite}`,
      join(ROOT, "mod.ts"),
    ],
  }).result;
}

/**
 * A sync of `streams` in which `failing`'s second page is refused (400):
 * exit 1, that stream's failure on stderr.
 */
async function syncFailing(
  fake: FakeAircall,
  db: string,
  failing: string,
  streams: string,
): Promise<CliRun> {
  fake.interceptors.push((request) =>
    request.path === `/v1/${failing}` && request.search.get("page") === "2"
      ? { status: 400, body: { error: "Bad Request" } }
      : undefined
  );
  const run = await syncRun(fake, db, ["--streams", streams]);
  fake.interceptors.pop();
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(`^source-aircall: stream ${failing} failed: `, "m"),
  );
  return run;
}

function open(db: string): DatabaseSync {
  return new sqlite!.DatabaseSync(db);
}

/** A record's key: its primary key's values. */
function keyOf(definition: StreamDefinition, record: Record<string, unknown>) {
  return JSON.stringify(definition.primaryKey.map((field) => record[field]));
}

/** A record without its null fields (a table keeps null and absent alike). */
function withoutNulls(record: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== null),
  );
}

/** A property's JSON type, not null; undefined for any JSON value. */
function typeOf(
  definition: StreamDefinition,
  field: string,
): string | undefined {
  return [definition.schema.properties[field]?.type].flat()
    .find((type) => type !== "null") as string | undefined;
}

/**
 * A stream's table read back into records, by key: booleans from 0/1,
 * objects, arrays and fields of any JSON value from their JSON, undeclared
 * fields from their column.
 */
function tableRecords(
  db: DatabaseSync,
  definition: StreamDefinition,
): Map<string, Record<string, unknown>> {
  const records = new Map<string, Record<string, unknown>>();
  for (const row of db.prepare(`SELECT * FROM "${definition.name}"`).all()) {
    const record: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) {
      if (column === "_airbyte_extracted_at") {
        assert.ok(!Number.isNaN(Date.parse(String(value))), String(value));
        continue;
      }
      if (value === null) continue;
      if (column === "_airbyte_additional_properties") {
        Object.assign(record, JSON.parse(String(value)));
        continue;
      }
      const type = typeOf(definition, column);
      record[column] = type === "boolean"
        ? value === 1
        : type === "object" || type === "array" || type === undefined
        ? JSON.parse(String(value))
        : value;
    }
    records.set(keyOf(definition, record), record);
  }
  return records;
}

/**
 * What the API holds now, as a `read` of the streams without state returns
 * it: in full refresh, or incremental where a stream supports it (as sync
 * reads; the per-call streams then leave out calls that may not have ended).
 */
async function apiRecords(
  fake: FakeAircall,
  streams: readonly StreamDefinition[],
  mode: "full_refresh" | "incremental" = "full_refresh",
): Promise<Map<string, Map<string, Record<string, unknown>>>> {
  const run = await readFake(
    fake,
    Object.fromEntries(
      streams.map((s) => [s.name, s.incremental ? mode : "full_refresh"]),
    ),
  );
  assert.equal(run.code, 0, run.stderr);
  const byStream = recordsByStream(run.messages);
  return new Map(streams.map((definition) => [
    definition.name,
    new Map(
      (byStream.get(definition.name) ?? []).map((record) => [
        keyOf(definition, record),
        withoutNulls(record),
      ]),
    ),
  ]));
}

/** Asserts every table of `streams` holds exactly the API's records. */
async function assertTablesEqualApi(
  fake: FakeAircall,
  db: string,
  streams: readonly StreamDefinition[] = DEFAULT,
  mode: "full_refresh" | "incremental" = "full_refresh",
): Promise<void> {
  const expected = await apiRecords(fake, streams, mode);
  const database = open(db);
  try {
    for (const definition of streams) {
      const actual = tableRecords(database, definition);
      const wanted = expected.get(definition.name)!;
      assert.ok(wanted.size > 0, `${definition.name}: the API has records`);
      assert.equal(actual.size, wanted.size, definition.name);
      assert.deepEqual(actual, wanted, definition.name);
    }
  } finally {
    database.close();
  }
}

/** Asserts SQLite finds the database whole. */
function assertIntact(database: DatabaseSync): void {
  assert.equal(
    database.prepare("PRAGMA integrity_check").get()!.integrity_check,
    "ok",
  );
}

/** The tables of a database, by name. */
function tables(db: string): string[] {
  const database = open(db);
  try {
    return database.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    ).all().map((row) => String(row.name));
  } finally {
    database.close();
  }
}

/** The summary line of one stream: its figures and status. */
function summaryOf(run: CliRun, stream: string) {
  const line = run.stdout.split("\n").find((l) => l.startsWith(`${stream} `));
  assert.ok(line, `${stream} in the summary:\n${run.stdout}`);
  const [, rows, added, changed, removed, ...status] = line.trim().split(
    /\s+/,
  );
  const number = (text: string) => Number(text.replaceAll(",", ""));
  return {
    rows: number(rows),
    added: number(added),
    changed: number(changed),
    removed: number(removed),
    status: status.join(" "),
  };
}

function assertClean(run: CliRun): void {
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.doesNotMatch(run.stderr, /warning|error|experimental/i);
}

describe("sync's summary", () => {
  it("aligns its columns and says how many streams failed and were not read", () => {
    const outcome = (
      stream: string,
      status: StreamFigures["status"],
      rows: number,
    ): StreamFigures => ({
      stream,
      syncMode: "full_refresh",
      status,
      rows,
      added: rows,
      changed: 0,
      removed: 0,
    });
    assert.equal(
      formatSummary(
        [
          outcome("calls", "INCOMPLETE", 1_164),
          outcome("company", "NOT READ", 1),
          outcome("user_availability", "NOT READ", 75),
        ],
        "aircall.sqlite",
        0.12,
      ),
      [
        "stream              rows  added  changed  removed  status",
        "calls              1,164  1,164        0        0  failed (table kept as it was)",
        "company                1      1        0        0  not read",
        "user_availability     75     75        0        0  not read",
        "Synced 0 of 3 streams into aircall.sqlite in 0.1 s: 1 failed, 2 not read.",
        "",
      ].join("\n"),
    );
    assert.match(
      formatSummary([outcome("tags", "COMPLETE", 3)], "a.sqlite", 1),
      /\nSynced 1 of 1 streams into a\.sqlite in 1\.0 s\.\n$/,
    );
  });
});

if (!HAS_SQLITE) {
  describe("sync under a Node older than 22.13", () => {
    let fake: FakeAircall;
    before(async () => fake = await startFake());
    after(() => fake.close());

    it("says in one line which Node it needs, exit 1, and writes nothing", async () => {
      const db = join(tempDir(), "aircall.sqlite");
      const run = await syncRun(fake, db);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        /^source-aircall: sync needs Node 22\.13 or later for its SQLite database \(this is Node 2\d\.[\d.]+\); upgrade Node, or use read, which runs on Node 20\.\n$/,
      );
      assert.equal(existsSync(db), false);
      assert.equal(fake.requests.length, 0);
    });
  });
} else {
  describe("a record's fields as SQLite values", () => {
    it("types as SQLite's natural ones; a number sent where the schema says string as the API wrote it; undeclared fields as one JSON object", () => {
      const calls = STREAMS.find((s) => s.name === "calls")!;
      const layout = tableLayout(calls);
      const database = new sqlite!.DatabaseSync(":memory:");
      try {
        database.exec(createTableSql(layout, "calls"));
        const columns = allColumns(layout);
        database.prepare(
          `INSERT INTO calls (${columns.map((c) => `"${c}"`).join(", ")})
           VALUES (${columns.map(() => "?").join(", ")})`,
        ).run(
          ...rowMaker(layout)(
            {
              id: 3_000_000_001,
              cost: 0,
              raw_digits: 33612345678,
              archived: true,
              tags: [{ id: 1 }],
              brand_new: { since: 2027 },
              also_new: "x",
            },
            "2026-01-01T00:00:00.000Z",
          ),
        );
        assert.deepEqual(
          {
            ...database.prepare(
              `SELECT typeof(id) AS id_type, id, cost, raw_digits, archived, tags,
                 _airbyte_additional_properties AS extra FROM calls`,
            ).get(),
          },
          {
            id_type: "integer",
            id: 3_000_000_001,
            cost: "0",
            raw_digits: "33612345678",
            archived: 1,
            tags: '[{"id":1}]',
            extra: '{"brand_new":{"since":2027},"also_new":"x"}',
          },
        );
      } finally {
        database.close();
      }
    });
  });

  describe("a database that cannot grow (a full disk)", () => {
    it("stops the sync with one clear error; what was committed is kept, the file whole", () => {
      // SQLite's own cap on the file's pages stands in for a full disk:
      // both fail a write with SQLITE_FULL.
      class CappedDatabase extends sqlite!.DatabaseSync {
        constructor(path: string, options?: Record<string, unknown>) {
          super(path, options);
          this.exec("PRAGMA max_page_count = 40");
        }
      }
      const path = join(tempDir(), "aircall.sqlite");
      const calls = STREAMS.find((s) => s.name === "calls")!;
      const store = SyncStore.open(
        path,
        { DatabaseSync: CappedDatabase as typeof DatabaseSync },
        [{ definition: calls, syncMode: "incremental" }],
      );
      const page = (from: number) =>
        Array.from({ length: 50 }, (_, i) => ({
          id: from + i,
          sid: "x".repeat(2_000),
        }));
      store.streamStarted("calls");
      store.insert("calls", page(0));
      store.checkpoint("calls", { started_at: 1_700_000_000 });
      assert.throws(
        () => {
          for (let from = 50; from < 50_000; from += 50) {
            store.insert("calls", page(from));
          }
        },
        (error: Error) =>
          error instanceof RunStoppingError &&
          /^The database .*aircall\.sqlite is full \(no space left on its disk\); free some and run sync again: what was committed is kept\.$/
            .test(error.message),
      );
      // The engine then ends the stream and the command line closes the
      // file: neither fails on the transaction the full disk ended.
      store.streamEnded("calls", false);
      store.close();
      const database = open(path);
      try {
        assertIntact(database);
        assert.equal(
          database.prepare("SELECT count(*) AS n FROM calls").get()!.n,
          50,
        );
        assert.equal(
          database.prepare("SELECT state FROM _state").get()!.state,
          '{"started_at":1700000000}',
        );
        assert.equal(
          database.prepare("SELECT status FROM _syncs").get()!.status,
          "INCOMPLETE",
        );
      } finally {
        database.close();
      }
    });
  });

  describe("sync into a local SQLite database", () => {
    let fake: FakeAircall;
    let db: string;
    let first: CliRun;
    before(async () => {
      fake = await startFake();
      db = join(tempDir(), "aircall.sqlite");
      first = await syncRun(fake, db);
    });
    after(() => fake.close());

    it("a first sync builds every default table with exactly the API's records", async () => {
      assertClean(first);
      assert.deepEqual(
        tables(db),
        [...DEFAULT.map((s) => s.name), "_state", "_syncs"].sort(),
      );
      await assertTablesEqualApi(fake, db);
      assert.deepEqual(summaryOf(first, "users"), {
        rows: fake.data.users.length,
        added: fake.data.users.length,
        changed: 0,
        removed: 0,
        status: "complete",
      });
      assert.match(
        first.stdout,
        /Synced 10 of 10 streams into .*aircall\.sqlite in [\d.]+ s\.\n$/,
      );
    });

    it("leaves the opt-in streams out by default, as discover --configured does", async () => {
      assert.ok(
        STREAMS.some((s) => s.optIn) && DEFAULT.length < STREAMS.length,
      );
      assert.ok(DEFAULT.every((s) => !s.optIn));
      const text = await runCliText([
        "discover",
        "--configured",
        "--config",
        writeJson(tempDir(), "c.json", testConfig()),
      ]);
      assert.equal(text.code, 0, text.stderr);
      const configured = JSON.parse(text.stdout) as {
        streams: { stream: { name: string } }[];
      };
      assert.deepEqual(
        configured.streams.map((s) => s.stream.name),
        DEFAULT.map((s) => s.name),
      );
    });

    it("creates the file readable and writable by its owner only, without the credentials", () => {
      assert.equal(statSync(db).mode & 0o777, 0o600);
      assert.ok(!readFileSync(db).includes(TEST_API_TOKEN));
      const database = open(db);
      try {
        assertIntact(database);
        const log = database.prepare(
          "SELECT stream, status, rows FROM _syncs WHERE sync = 1 ORDER BY stream",
        ).all();
        assert.equal(log.length, DEFAULT.length);
        assert.ok(
          log.every((row) => row.status === "COMPLETE"),
          JSON.stringify(log),
        );
      } finally {
        database.close();
      }
    });

    it("a second sync with nothing new asks what read --state asks, from the state in the database", async () => {
      const database = open(db);
      const state = database.prepare("SELECT stream, state FROM _state").all()
        .map((row) => ({
          type: "STREAM",
          stream: {
            stream_descriptor: { name: row.stream },
            stream_state: JSON.parse(String(row.state)),
          },
        }));
      database.close();
      assert.deepEqual(
        state.map((s) => s.stream.stream_descriptor.name).sort(),
        ["calls", "contacts"],
      );
      const incremental = (path: string) =>
        fake.requests.filter((r) => r.path === path).length;
      const before = [incremental("/v1/calls"), incremental("/v1/contacts")];
      const run = await syncRun(fake, db, ["--streams", "calls,contacts"]);
      assertClean(run);
      const bySync = [
        incremental("/v1/calls") - before[0],
        incremental("/v1/contacts") - before[1],
      ];
      const read = await readFake(
        fake,
        { calls: "incremental", contacts: "incremental" },
        { state },
      );
      assert.equal(read.code, 0, read.stderr);
      const byRead = [
        incremental("/v1/calls") - before[0] - bySync[0],
        incremental("/v1/contacts") - before[1] - bySync[1],
      ];
      assert.deepEqual(bySync, byRead);
      assert.ok(bySync[0] <= 2 && bySync[1] === 1, String(bySync));
      assert.equal(summaryOf(run, "calls").added, 0);
      assert.equal(summaryOf(run, "contacts").changed, 0);
    });

    it("a second sync after new calls, edited contacts and a deleted user, tag and team holds exactly the API's rows", async () => {
      fake.addCalls(7, fake.now - 3600);
      // Contacts no call embeds: an edit of one a call embeds changes that
      // call in the API too, which no incremental read of calls sees.
      const embedded = new Set(fake.data.calls.map((c) => c.contact?.id));
      const chosen = fake.data.contacts.filter((c) => !embedded.has(c.id))
        .slice(0, 5);
      assert.equal(chosen.length, 5);
      const edited = chosen.map((c) => c.id);
      for (const contact of chosen) {
        contact.first_name = `Edited ${contact.id}`;
      }
      fake.updateContacts(edited, Math.floor(Date.now() / 1000));
      fake.data.users.splice(3, 1);
      fake.data.tags.splice(0, 1);
      fake.data.teams.splice(2, 1);
      fake.invalidate();
      const run = await syncRun(fake, db);
      assertClean(run);
      await assertTablesEqualApi(fake, db);
      assert.equal(summaryOf(run, "calls").added, 7);
      assert.equal(summaryOf(run, "contacts").changed, 5);
      assert.equal(summaryOf(run, "users").removed, 1);
      assert.equal(summaryOf(run, "tags").removed, 1);
      assert.equal(summaryOf(run, "teams").removed, 1);
      const database = open(db);
      assert.equal(
        database.prepare(`SELECT first_name FROM contacts WHERE id = ?`)
          .get(edited[0])!.first_name,
        `Edited ${edited[0]}`,
      );
      database.close();
    });

    it("a failing full-refresh stream leaves its previous table as it was", async () => {
      const database = open(db);
      const tagsBefore = tableRecords(
        database,
        STREAMS.find((s) => s.name === "tags")!,
      );
      database.close();
      fake.data.tags.splice(0, 3);
      fake.invalidate();
      const run = await syncFailing(fake, db, "tags", "tags,teams");
      assert.deepEqual(summaryOf(run, "tags"), {
        rows: tagsBefore.size,
        added: 0,
        changed: 0,
        removed: 0,
        status: "failed (table kept as it was)",
      });
      assert.equal(summaryOf(run, "teams").status, "complete");
      const after = open(db);
      try {
        assert.deepEqual(
          tableRecords(after, STREAMS.find((s) => s.name === "tags")!),
          tagsBefore,
        );
        assert.ok(!tables(db).some((t) => t.startsWith("_staging")));
        assert.equal(
          after.prepare(
            "SELECT status FROM _syncs WHERE stream = 'tags' ORDER BY sync DESC LIMIT 1",
          ).get()!.status,
          "INCOMPLETE",
        );
      } finally {
        after.close();
      }
    });

    it("a failing incremental stream keeps the rows it read, its state not moved past them; a rerun completes it", async () => {
      const callsState = () => {
        const database = open(db);
        try {
          return database.prepare(
            "SELECT state FROM _state WHERE stream = 'calls'",
          ).get()!.state;
        } finally {
          database.close();
        }
      };
      const before = callsState();
      // Calls that ended since the last sync, inside its lookback.
      fake.addCalls(120, fake.now - 1800);
      const run = await syncFailing(fake, db, "calls", "calls");
      const failed = summaryOf(run, "calls");
      assert.equal(failed.status, "failed");
      // The page read before the failure is kept (rows may run ahead of
      // the state); the state did not move, so a rerun reads the rest.
      assert.ok(failed.added > 0, run.stdout);
      assert.equal(callsState(), before);
      const rerun = await syncRun(fake, db, ["--streams", "calls"]);
      assertClean(rerun);
      assert.equal(summaryOf(rerun, "calls").added, 120 - failed.added);
      await assertTablesEqualApi(
        fake,
        db,
        DEFAULT.filter((s) => s.name === "calls"),
      );
    });

    it("a table dropped by hand is read again whole, not from the state it left behind", async () => {
      const database = open(db);
      database.exec("DROP TABLE contacts");
      database.close();
      const run = await syncRun(fake, db, ["--streams", "contacts"]);
      assertClean(run);
      assert.equal(summaryOf(run, "contacts").added, fake.data.contacts.length);
      await assertTablesEqualApi(
        fake,
        db,
        DEFAULT.filter((s) => s.name === "contacts"),
      );
    });

    it("a second sync on the same file while one runs is refused at once, harming nothing", async () => {
      // Every default stream, 20 ms an answer: seconds, time enough for a
      // second sync to start (Deno's own start-up included) on a busy machine.
      fake.faults.latencyMs = 20;
      const running = sync(fake, db);
      const seen = fake.requests.length;
      while (fake.requests.length === seen) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // SQLite's write-ahead log, beside the file, is its owner's only too.
      assert.equal(statSync(`${db}-wal`).mode & 0o777, 0o600);
      const second = await syncRun(fake, db, ["--streams", "users"]);
      const first = await running.result;
      fake.faults.latencyMs = 0;
      assert.equal(second.code, 1, second.stdout + second.stderr);
      assert.equal(second.stdout, "");
      assert.match(
        second.stderr,
        /^source-aircall: .*aircall\.sqlite is in use: another sync \(or a program holding it open\) has it locked; wait for it to end, or give --db another file\.\n$/,
      );
      assertClean(first);
      await assertTablesEqualApi(fake, db);
    });
  });

  if (!process.versions.deno) {
    describe("the npm build under Node and deno run", () => {
      let fake: FakeAircall;
      before(async () => fake = await startFake());
      after(() => fake.close());

      /**
       * Every table's rows, but not when: extraction times, the sync log,
       * and the states (which hold the sync's clock) only by stream.
       */
      function dump(db: string): Record<string, unknown[]> {
        const database = open(db);
        try {
          return Object.fromEntries(
            tables(db).filter((table) => table !== "_syncs").map((table) => [
              table,
              database.prepare(
                table === "_state"
                  ? "SELECT stream FROM _state ORDER BY 1"
                  : `SELECT * FROM "${table}" ORDER BY 1, 2`,
              ).all().map((row) => {
                const { _airbyte_extracted_at: _, ...rest } = row;
                return { ...rest };
              }),
            ]),
          );
        } finally {
          database.close();
        }
      }

      it("make the same tables", async () => {
        const dir = tempDir();
        const underNode = join(dir, "node.sqlite");
        const underDeno = join(dir, "deno.sqlite");
        assertClean(await syncRun(fake, underNode));
        // scripts/test_node.ts names the Deno that runs it.
        const deno = process.env.SOURCE_AIRCALL_DENO ?? "deno";
        const run = await syncUnderDeno(fake, underDeno, underDeno, deno);
        assertClean(run);
        const tablesUnderNode = dump(underNode);
        assert.deepEqual(
          Object.keys(tablesUnderNode).sort(),
          [...DEFAULT.map((s) => s.name), "_state"].sort(),
        );
        assert.deepEqual(dump(underDeno), tablesUnderNode);
      });
    });
  }

  describe("sync --streams all: the per-call and Power Dialer streams too", () => {
    let fake: FakeAircall;
    before(async () =>
      fake = await startFake({
        counts: { calls: 150, contacts: 30, users: 25 },
      })
    );
    after(() => fake.close());

    it("every table holds exactly the API's records, composite keys and fields of any JSON value included", async () => {
      const db = join(tempDir(), "aircall.sqlite");
      const run = await syncRun(fake, db, ["--streams", "all"]);
      assertClean(run);
      assert.match(
        run.stdout,
        new RegExp(`Synced ${STREAMS.length} of ${STREAMS.length} streams`),
      );
      await assertTablesEqualApi(fake, db, STREAMS, "incremental");
      for (const { name } of STREAMS) {
        assert.equal(summaryOf(run, name).status, "complete", name);
      }
      const database = open(db);
      try {
        // A field of any JSON value is its JSON text: the fake serves
        // dialer_campaigns.number_id as a numeric string or an integer, and
        // each reads back as it came, neither stored as a REAL 123.0.
        const kinds = database.prepare(
          "SELECT DISTINCT typeof(number_id) AS storage, json_type(number_id) AS json FROM dialer_campaigns ORDER BY 2",
        ).all().map((row) => ({ ...row }));
        assert.deepEqual(kinds, [
          { storage: "text", json: "integer" },
          { storage: "text", json: "text" },
        ]);
        // Call ids (past 2^31) are INTEGERs, exactly.
        const ids = database.prepare(
          "SELECT DISTINCT typeof(id) AS storage, max(id) AS top FROM calls",
        ).get()!;
        assert.equal(ids.storage, "integer");
        assert.equal(ids.top, Math.max(...fake.visibleCallIds()));
        assert.ok((ids.top as number) > 2 ** 31);
      } finally {
        database.close();
      }
    });
  });

  describe("a stream's schema changing between syncs", () => {
    let fake: FakeAircall;
    before(async () => fake = await startFake({ counts: { users: 25 } }));
    after(() => fake.close());

    it("a property new to the schema gets its column; a column the schema dropped is kept", async () => {
      const db = join(tempDir(), "aircall.sqlite");
      assertClean(await syncRun(fake, db, ["--streams", "users"]));
      // As if the file were made before `email` was in the schema, and
      // when `retired` still was.
      const database = open(db);
      database.exec(
        "ALTER TABLE users DROP COLUMN email; ALTER TABLE users ADD COLUMN retired TEXT; UPDATE users SET retired = 'x'",
      );
      database.close();
      const run = await syncRun(fake, db, ["--streams", "users"]);
      assertClean(run);
      assert.equal(summaryOf(run, "users").changed, fake.data.users.length);
      const after = open(db);
      try {
        const columns = after.prepare("PRAGMA table_info(users)").all().map(
          (row) => row.name,
        );
        assert.ok(columns.includes("email") && columns.includes("retired"));
        assert.deepEqual(
          { ...after.prepare("SELECT count(email) AS n FROM users").get() },
          { n: fake.data.users.filter((u) => u.email !== null).length },
        );
      } finally {
        after.close();
      }
      await assertTablesEqualApi(
        fake,
        db,
        DEFAULT.filter((s) => s.name === "users"),
      );
    });
  });

  describe("sync's command line", () => {
    let fake: FakeAircall;
    before(async () => fake = await startFake());
    after(() => fake.close());

    it("a usage mistake is one line on stderr, exit 2, nothing on stdout, no file", async () => {
      const dir = tempDir();
      const db = join(dir, "aircall.sqlite");
      const config = writeJson(dir, "config.json", testConfig());
      for (
        const [args, reason] of [
          [
            ["--config", config, "--db", db, "--stream", "calls"],
            /Unknown option '--stream' for sync; did you mean --streams <names>\?/,
          ],
          [["--db", db], /sync needs --config <path>/],
          [
            ["--config", config, "--db", ""],
            /sync's --db needs a file name, e\.g\. --db aircall\.sqlite/,
          ],
          [
            ["--config", config, "--db", db, "--streams", "cals"],
            /Unknown stream "cals" in --streams; did you mean calls\?/,
          ],
        ] as const
      ) {
        const run = await spawnCli(
          ["sync", ...args],
          { AIRCALL_API_URL: fake.url },
          syncCommand(db),
          false,
        ).result;
        assert.equal(run.code, 2, run.stderr);
        assert.equal(run.stdout, "");
        assert.match(run.stderr, /^source-aircall: .*\(see --help\)\n$/);
        assert.match(run.stderr, reason);
        assert.equal(existsSync(db), false);
      }
      assert.equal(fake.requests.length, 0);
    });

    it("a rejected API key: exit 1, the summary and _syncs say which stream failed and which were not read", async () => {
      const db = join(tempDir(), "aircall.sqlite");
      const run = await sync(fake, db, [], {
        config: { api_token: "not-the-token-4242" },
      }).result;
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stdout,
        /\nSynced 0 of 10 streams into .*aircall\.sqlite in [\d.]+ s: 1 failed, 9 not read\.\n$/,
      );
      const database = open(db);
      try {
        const log = database.prepare(
          "SELECT stream, status FROM _syncs WHERE sync = 1 ORDER BY stream",
        ).all().map((row) => ({ ...row }));
        assert.deepEqual(
          log,
          DEFAULT.map((s) => s.name).sort().map((stream) => ({
            stream,
            status: stream === "calls" ? "INCOMPLETE" : "NOT READ",
          })),
        );
      } finally {
        database.close();
      }
    });

    it("runCli embedded without io.sqlite says what to pass, exit 1, no file", async () => {
      const db = join(tempDir(), "aircall.sqlite");
      let stdout = "";
      let stderr = "";
      const code = await runCliInProcess(
        [
          "sync",
          "--config",
          writeJson(tempDir(), "config.json", testConfig()),
          "--db",
          db,
        ],
        {
          stdout: (text) => Promise.resolve(void (stdout += text)),
          stderr: (text) => Promise.resolve(void (stderr += text)),
          env: (name) => name === "AIRCALL_API_URL" ? fake.url : undefined,
        },
      );
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assert.equal(
        stderr,
        "source-aircall: sync needs SQLite, and this embedding of runCli gives it none: pass io.sqlite, e.g. () => import('node:sqlite').\n",
      );
      assert.equal(existsSync(db), false);
    });

    it("SIGTERM commits what was read, says so, exits 143; a rerun completes it", async () => {
      const db = join(tempDir(), "aircall.sqlite");
      fake.faults.latencyMs = 20;
      const running = sync(fake, db, [], {
        command: ["python3", "-c", REPORT_STATUS, ...syncCommand(db)],
      });
      while (!fake.requests.some((r) => r.path === "/v1/contacts")) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      running.child.kill("SIGTERM");
      const run = await running.result;
      fake.faults.latencyMs = 0;
      assert.equal(run.stdout, "");
      const calls = fake.visibleCallIds().length.toLocaleString("en-US");
      assert.match(
        run.stderr,
        new RegExp(
          `source-aircall: stopped by SIGTERM after reading calls \\(${calls} records, complete\\), .*; everything read is committed to .*aircall\\.sqlite: run sync again to go on from there\\.\nexit 143\n$`,
        ),
      );
      const database = open(db);
      try {
        // calls completed before contacts began: its rows and state are in.
        assert.equal(
          database.prepare("SELECT count(*) AS n FROM calls").get()!.n,
          fake.visibleCallIds().length,
        );
        assert.ok(
          database.prepare("SELECT state FROM _state WHERE stream = 'calls'")
            .get(),
        );
      } finally {
        database.close();
      }
      assertClean(await syncRun(fake, db));
      await assertTablesEqualApi(fake, db);
    });

    it("SIGTERM mid full refresh: the log says INTERRUPTED, no staging table is left, nor one a SIGKILL left", async () => {
      const db = join(tempDir(), "aircall.sqlite");
      const running = sync(fake, db);
      // The stop comes while tags is half read, its staging table made,
      // and its next page is answered only after the sync has ended.
      fake.interceptors.push(async (request) => {
        if (request.path === "/v1/tags" && request.search.get("page") === "2") {
          running.child.kill("SIGTERM");
          await new Promise((resolve) => setTimeout(resolve, 3_000));
        }
        return undefined;
      });
      const stopped = await running.result;
      fake.interceptors.pop();
      assert.match(
        stopped.stderr,
        /stopped by SIGTERM after reading .*tags \(/,
      );
      const log = () => {
        const database = open(db);
        try {
          return database.prepare(
            "SELECT sync, stream, status, ended_at IS NOT NULL AS ended FROM _syncs WHERE stream = 'tags' ORDER BY sync",
          ).all().map((row) => ({ ...row }));
        } finally {
          database.close();
        }
      };
      // What `_syncs` says once the stopped sync has closed the file: it
      // is not running any more.
      assert.deepEqual(log(), [
        { sync: 1, stream: "tags", status: "INTERRUPTED", ended: 1 },
      ]);
      const staging = () =>
        tables(db).filter((table) => table.startsWith("_staging"));
      assert.deepEqual(staging(), []);
      // A SIGKILL between a batch's commit and the swap leaves one behind:
      // the next sync drops it, even one that does not read tags.
      const database = open(db);
      database.exec('CREATE TABLE "_staging_tags" (id INT)');
      database.close();
      assertClean(await syncRun(fake, db, ["--streams", "company"]));
      assert.deepEqual(staging(), []);
    });
  });

  describe("a --db sync cannot use is one clear error, the file untouched", () => {
    let fake: FakeAircall;
    before(async () => fake = await startFake());
    after(() => fake.close());

    function assertRefused(run: CliRun, reason: RegExp): void {
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, "");
      const lines = run.stderr.split("\n");
      assert.equal(lines.pop(), "");
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], /^source-aircall: /);
      assert.match(lines[0], reason);
      assert.equal(fake.requests.length, 0);
    }

    it("a file that is not SQLite", async () => {
      const path = join(tempDir(), "notes.txt");
      const content = "Not a database, a note.\n".repeat(40);
      writeFileSync(path, content, { mode: 0o644 });
      assertRefused(
        await syncRun(fake, path),
        /notes\.txt is not a SQLite database; give --db a new file name/,
      );
      assert.equal(readFileSync(path, "utf8"), content);
      assert.equal(statSync(path).mode & 0o777, 0o644);
      assert.equal(
        existsSync(`${path}-wal`) || existsSync(`${path}-journal`),
        false,
      );
    });

    it("a SQLite database sync did not make", async () => {
      const path = join(tempDir(), "other.sqlite");
      const other = open(path);
      other.exec(
        "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')",
      );
      other.close();
      const content = readFileSync(path);
      assertRefused(
        await syncRun(fake, path),
        /other\.sqlite is a SQLite database that sync did not make/,
      );
      assert.deepEqual(readFileSync(path), content);
    });

    /** Whether this process may open the file for writing. */
    function _writable(path: string): boolean {
      try {
        closeSync(openSync(path, "r+"));
        return true;
      } catch {
        return false;
      }
    }

    it("an empty file becomes a database its owner's only", async () => {
      const path = join(tempDir(), "aircall.sqlite");
      writeFileSync(path, "", { mode: 0o644 });
      assertClean(await syncRun(fake, path, ["--streams", "tags"]));
      assert.equal(statSync(path).mode & 0o777, 0o600);
      fake.requests.length = 0;
    });

    it("a database file it may not write", async () => {
      const dir = tempDir();
      const path = join(dir, "aircall.sqlite");
      assertClean(await syncRun(fake, path, ["--streams", "tags"]));
      fake.requests.length = 0;
      const content = readFileSync(path);
      chmodSync(path, 0o400);
      // Root writes any file whatever its mode: only an immutable one is
      // read-only to it.
      const root = _writable(path);
      if (root) execFileSync("chattr", ["+i", path]);
      try {
        assertRefused(
          await syncRun(fake, path, ["--streams", "tags"]),
          /Cannot write the database .*aircall\.sqlite \((permission denied|not permitted)\); make it writable, or give --db a file you can write\./,
        );
      } finally {
        if (root) execFileSync("chattr", ["-i", path]);
      }
      assert.deepEqual(readFileSync(path), content);
    });

    it("a directory that does not exist, or a directory", async () => {
      const dir = tempDir();
      const missing = join(dir, "no-such-dir", "aircall.sqlite");
      assertRefused(
        await syncRun(fake, missing),
        /Cannot create the database .*no-such-dir\/aircall\.sqlite \(no such directory\); give --db a file in a directory you can write\./,
      );
      assertRefused(
        await syncRun(fake, dir),
        /is not a file; give a file name/,
      );
    });

    if (process.versions.deno) {
      it("under deno run, a file it may not write names the flag", async () => {
        const dir = tempDir();
        const path = join(dir, "aircall.sqlite");
        const run = await syncUnderDeno(
          fake,
          path,
          join(dir, "other.sqlite"),
          process.execPath,
        );
        assertRefused(
          run,
          new RegExp(
            `Deno denied access to the database .*aircall\\.sqlite; run sync with --allow-write=`,
          ),
        );
        assert.equal(existsSync(path), false);
      });
    }
  });

  describe("a sync killed at random moments, then run again, loses and duplicates nothing", () => {
    let fake: FakeAircall;
    before(async () =>
      fake = await startFake({ counts: { calls: 12_000, contacts: 2_000 } })
    );
    after(() => fake.close());

    it("SIGTERM in the second window of calls commits the first window's checkpoint, which the STATE pacing held back", async () => {
      // 12,000 calls are read in two windows, each checkpointed when it
      // ends; the first one's is held (a STATE a minute at most) until the
      // stop writes it, into the database before it is closed.
      const db = join(tempDir(), "aircall.sqlite");
      const running = sync(fake, db, ["--streams", "calls"]);
      let asked = 0;
      fake.interceptors.push(async (request) => {
        if (request.path === "/v1/calls" && ++asked === 180) {
          running.child.kill("SIGTERM");
          await new Promise((resolve) => setTimeout(resolve, 3_000));
        }
        return undefined;
      });
      const stopped = await running.result;
      fake.interceptors.pop();
      assert.match(stopped.stderr, /stopped by SIGTERM after reading calls \(/);
      const database = open(db);
      try {
        const state = database.prepare(
          "SELECT state FROM _state WHERE stream = 'calls'",
        ).get();
        assert.ok(state, "the held checkpoint is in _state");
        const rows = database.prepare("SELECT count(*) AS n FROM calls").get()!
          .n as number;
        assert.ok(rows > 5_000 && rows < 12_000, String(rows));
      } finally {
        database.close();
      }
    });

    it("three SIGKILLs, each followed by a rerun: the API's data, integrity ok", async () => {
      // How many requests a whole sync makes: kills are drawn below it.
      const seen = fake.requests.length;
      assertClean(await syncRun(fake, join(tempDir(), "whole.sqlite")));
      const whole = fake.requests.length - seen;
      const db = join(tempDir(), "aircall.sqlite");
      const random = mulberry32(16);
      let kills = 0;
      // A draw past what a resumed run still asks ends that run whole.
      for (let runs = 0; kills < 3 && runs < 12; runs++) {
        const afterRequests = 3 + Math.floor(random() * (whole - 3));
        const child = sync(fake, db);
        // Installed after the spawn: the sync's first request comes later.
        fake.faults.kill = {
          afterRequests,
          action: () => child.child.kill("SIGKILL"),
        };
        const run = await child.result;
        fake.faults.kill = undefined;
        if (run.signal === "SIGKILL") kills++;
        else assertClean(run);
      }
      assert.equal(kills, 3);
      const last = await syncRun(fake, db);
      assertClean(last);
      await assertTablesEqualApi(fake, db);
      assert.ok(!tables(db).some((t) => t.startsWith("_staging")));
      const database = open(db);
      try {
        assertIntact(database);
        assert.ok(
          database.prepare(
            "SELECT count(*) AS n FROM _syncs WHERE status = 'INTERRUPTED'",
          ).get()!.n as number > 0,
        );
      } finally {
        database.close();
      }
    });
  });
}
