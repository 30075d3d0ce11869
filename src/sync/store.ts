/**
 * The local SQLite database of `sync`: one table per stream, the streams'
 * state and a log of past syncs, in one file that one sync at a time writes.
 *
 * Records go in through prepared statements in batched transactions; a
 * stream's STATE is committed in the same transaction as every record
 * before it, so a sync killed at any instant leaves rows that are
 * Aircall's and a state never ahead of them. Incremental streams are
 * upserted by primary key (Airbyte's `append_dedup`); full-refresh streams
 * are written to a staging table that replaces theirs, in one transaction,
 * when the stream completes (`overwrite`); a failed one leaves its table as
 * it was.
 *
 * @module
 */

import { closeSync, constants, openSync, statSync, unlinkSync } from "node:fs";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { ConnectorError, permissionError } from "../errors.ts";
import {
  type ConfiguredStream,
  type InputState,
  parseState,
} from "../inputs.ts";
import type { StateBlob } from "../protocol.ts";
import type { Sqlite } from "../runtime.ts";
import type { SyncMode } from "../streams/mod.ts";
import {
  ADDITIONAL_PROPERTIES,
  allColumns,
  type Column,
  createTableSql,
  EXTRACTED_AT,
  quote,
  rowMaker,
  type TableLayout,
  tableLayout,
} from "./tables.ts";

/** The table holding each incremental stream's last committed state. */
export const STATE_TABLE = "_state";

/** The table of past syncs: one row per sync and stream. */
export const SYNCS_TABLE = "_syncs";

/** Rows written between two commits when no STATE commits them sooner. */
const BATCH_ROWS = 10_000;

/** The page size of a new database, in bytes: six calls to a page. */
const PAGE_SIZE = 16_384;

/** SQLite's page cache, in KiB. */
const CACHE_KIB = 16_000;

/** SQLite's result codes that `open` explains. */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** How a stream of this sync ended. */
export type SyncStatus = "COMPLETE" | "INCOMPLETE" | "NOT READ";

/** One stream's figures for the summary and the `_syncs` table. */
export interface StreamOutcome {
  /** The stream (and its table). */
  stream: string;
  /** How it was read. */
  syncMode: SyncMode;
  /** How it ended. */
  status: SyncStatus;
  /** Rows in its table now. */
  rows: number;
  /** Rows this sync added. */
  added: number;
  /** Rows this sync changed (a field's value differs). */
  changed: number;
  /** Rows this sync removed (full refresh: no longer in Aircall). */
  removed: number;
}

/** A stream being written. */
interface _StreamWrite {
  layout: TableLayout;
  syncMode: SyncMode;
  /** Where records go: the table, or its staging table. */
  target: string;
  insert: StatementSync;
  makeRow: ReturnType<typeof rowMaker>;
  /** Rows in the table when the stream started. */
  rowsBefore: number;
  /** Rows the upserts inserted or changed. */
  changes: number;
}

/** The staging table of a full-refresh stream. */
function _staging(stream: string): string {
  return `_staging_${stream}`;
}

/** SQLite's result code of an error thrown by `node:sqlite`, if any. */
function _errcode(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === "number" ? code & 0xff : undefined;
}

function _fail(message: string): never {
  throw new ConnectorError("config_error", message);
}

/** Deno's refusal, with the flag that allows this file. */
function _denied(path: string): never {
  _fail(
    `Deno denied access to the database ${path}; run sync with --allow-write=${path} (see docs/sync.md).`,
  );
}

/**
 * Creates the file, readable and writable by its owner only, when it does
 * not exist yet.
 *
 * @returns Whether it was created.
 */
function _create(path: string): boolean {
  try {
    if (!statSync(path).isFile()) {
      _fail(
        `--db ${path} is not a file; give a file name, e.g. aircall.sqlite.`,
      );
    }
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
  try {
    closeSync(
      openSync(
        path,
        constants.O_CREAT | constants.O_EXCL | constants.O_RDWR,
        0o600,
      ),
    );
    return true;
  } catch (error) {
    if (permissionError(error)) _denied(path);
    const code = (error as { code?: string }).code;
    _fail(
      `Cannot create the database ${path} (${
        code === "ENOENT" ? "no such directory" : code ?? String(error)
      }); give --db a file in a directory you can write.`,
    );
  }
}

/**
 * The local database of `sync`, locked for this process until
 * {@linkcode SyncStore.close}.
 */
export class SyncStore {
  /** The database's path. */
  readonly path: string;
  #db: DatabaseSync;
  #now: () => number;
  #sync: number;
  #startedAt: string;
  #streams: Map<string, ConfiguredStream>;
  #writing = new Map<string, _StreamWrite>();
  #outcomes = new Map<string, StreamOutcome>();
  #pending = 0;
  #inTransaction = false;
  #closed = false;
  #saveState: StatementSync;

  private constructor(
    path: string,
    db: DatabaseSync,
    streams: readonly ConfiguredStream[],
    now: () => number,
  ) {
    this.path = path;
    this.#db = db;
    this.#now = now;
    this.#streams = new Map(streams.map((s) => [s.definition.name, s]));
    this.#startedAt = new Date(now()).toISOString();
    this.#begin();
    this.#migrate(streams);
    this.#sync = Number(
      (db.prepare(
        `SELECT coalesce(max(sync), 0) + 1 AS next FROM ${SYNCS_TABLE}`,
      )
        .get() as { next: number }).next,
    );
    this.#saveState = db.prepare(
      `INSERT INTO ${STATE_TABLE} (stream, state, saved_at) VALUES (?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at`,
    );
    this.#commit();
  }

  /**
   * Opens (or creates, mode 0600) the database and locks it: one sync at a
   * time writes a file. Nothing is written to a file that is not a SQLite
   * database, nor to one in use.
   *
   * @param path The database file (`--db`).
   * @param sqlite The runtime's `node:sqlite`.
   * @param streams The streams of this sync: their tables are made ready.
   * @param now Epoch milliseconds.
   * @returns The open store.
   * @throws {ConnectorError} One line saying what is wrong and what to do.
   */
  static open(
    path: string,
    sqlite: Sqlite,
    streams: readonly ConfiguredStream[],
    now: () => number = Date.now,
  ): SyncStore {
    const created = _create(path);
    let db: DatabaseSync | undefined;
    try {
      db = new sqlite.DatabaseSync(path, { timeout: 0 });
      // Held from the first read to close: a second sync is refused at once.
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      const tables = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table'",
      ).all().map((row) => String(row.name));
      if (tables.length > 0 && !tables.includes(SYNCS_TABLE)) {
        _fail(
          `${path} is a SQLite database that sync did not make (it has no ${SYNCS_TABLE} table); give --db a new file name.`,
        );
      }
      // A call's row is 2 to 3 KB: SQLite's default 4 KB pages hold one
      // where they have room for one and a half, and the file grows by a
      // third (16 KB pages: 0.88x the records as JSON lines, 4 KB: 1.12x,
      // measured). Takes effect in a new file only (before its first write).
      db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      // The primary-key index is written in the API's order, not its own:
      // with SQLite's default 2 MB of cache, a sync of 200,000 calls took
      // twice as long as with 16 MB, spent re-reading index pages.
      db.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
      return new SyncStore(path, db, streams, now);
    } catch (error) {
      try {
        db?.close();
      } catch {
        // Already failing: the first error is the one to tell.
      }
      if (created) unlinkSync(path);
      if (error instanceof ConnectorError) throw error;
      if (permissionError(error)) _denied(path);
      switch (_errcode(error)) {
        case SQLITE_NOTADB:
          _fail(
            `${path} is not a SQLite database; give --db a new file name or a database an earlier sync made.`,
          );
          break;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
          _fail(
            `${path} is in use: another sync (or a program holding it open) has it locked; wait for it to end, or give --db another file.`,
          );
          break;
        case SQLITE_READONLY:
        case SQLITE_CANTOPEN:
          _fail(
            `Cannot write the database ${path} or its journal ${path}-wal; give --db a file you can write, in a directory you can write.`,
          );
      }
      throw error;
    }
  }

  /** The next sync's input: each incremental stream's committed state. */
  state(): InputState {
    const rows = this.#db.prepare(`SELECT stream, state FROM ${STATE_TABLE}`)
      .all();
    return parseState(
      rows.map((row) => ({
        type: "STREAM",
        stream: {
          stream_descriptor: { name: String(row.stream) },
          stream_state: JSON.parse(String(row.state)),
        },
      })),
      [...this.#streams.values()],
    );
  }

  /**
   * A stream starts: a full refresh writes into a fresh staging table.
   *
   * @param stream The stream's name.
   */
  streamStarted(stream: string): void {
    if (this.#closed) return;
    const configured = this.#streams.get(stream);
    if (!configured) throw new Error(`${stream} is not configured`);
    const layout = tableLayout(
      configured.definition,
      this.#columns(stream),
    );
    const { syncMode } = configured;
    this.#begin();
    let target = stream;
    if (syncMode === "full_refresh") {
      target = _staging(stream);
      this.#db.exec(`DROP TABLE IF EXISTS ${quote(target)}`);
      this.#db.exec(createTableSql(layout, target));
    }
    this.#writing.set(stream, {
      layout,
      syncMode,
      target,
      insert: this.#db.prepare(this.#insertSql(layout, target, syncMode)),
      makeRow: rowMaker(layout),
      rowsBefore: this.#count(stream),
      changes: 0,
    });
    this.#db.prepare(
      `INSERT OR REPLACE INTO ${SYNCS_TABLE} (sync, started_at, stream, status) VALUES (?, ?, ?, 'RUNNING')`,
    ).run(this.#sync, this.#startedAt, stream);
  }

  /**
   * Writes a page of a stream's records; commits every {@linkcode BATCH_ROWS}.
   *
   * @param stream The stream's name.
   * @param records Its records, as the engine emits them.
   */
  insert(stream: string, records: readonly Record<string, unknown>[]): void {
    if (this.#closed) return;
    const writing = this.#writing.get(stream);
    if (!writing) throw new Error(`${stream}: records before its start`);
    this.#begin();
    const extractedAt = new Date(this.#now()).toISOString();
    const { insert, makeRow } = writing;
    for (const record of records) {
      writing.changes += Number(
        insert.run(...makeRow(record, extractedAt)).changes,
      );
    }
    this.#pending += records.length;
    if (this.#pending >= BATCH_ROWS) this.#commit();
  }

  /**
   * A stream's STATE: committed with every record before it.
   *
   * @param stream The stream's name.
   * @param state Its state blob.
   */
  checkpoint(stream: string, state: StateBlob): void {
    if (this.#closed) return;
    if (this.#streams.get(stream)?.syncMode === "incremental") {
      this.#begin();
      this.#saveState.run(
        stream,
        JSON.stringify(state),
        new Date(this.#now()).toISOString(),
      );
    }
    this.#commit();
  }

  /**
   * A stream ended: a completed full refresh replaces its table, a failed
   * one leaves it as it was; its figures go to the log of syncs.
   *
   * @param stream The stream's name.
   * @param complete Whether it completed.
   */
  streamEnded(stream: string, complete: boolean): void {
    if (this.#closed) return;
    const writing = this.#writing.get(stream);
    if (!writing) return;
    this.#writing.delete(stream);
    this.#begin();
    const outcome: StreamOutcome = {
      stream,
      syncMode: writing.syncMode,
      status: complete ? "COMPLETE" : "INCOMPLETE",
      rows: 0,
      added: 0,
      changed: 0,
      removed: 0,
    };
    if (writing.syncMode === "incremental") {
      outcome.rows = this.#count(stream);
      outcome.added = outcome.rows - writing.rowsBefore;
      outcome.changed = writing.changes - outcome.added;
    } else if (complete) {
      Object.assign(outcome, this.#replace(writing));
    } else {
      this.#db.exec(`DROP TABLE ${quote(writing.target)}`);
      outcome.rows = writing.rowsBefore;
    }
    this.#outcomes.set(stream, outcome);
    this.#db.prepare(
      `UPDATE ${SYNCS_TABLE} SET ended_at = ?, status = ?, rows = ?, added = ?, changed = ?, removed = ?
       WHERE sync = ? AND stream = ?`,
    ).run(
      new Date(this.#now()).toISOString(),
      outcome.status,
      outcome.rows,
      outcome.added,
      outcome.changed,
      outcome.removed,
      this.#sync,
      stream,
    );
    this.#commit();
  }

  /** Every configured stream's figures, in catalog order; unread ones as they stand. */
  outcomes(): StreamOutcome[] {
    return [...this.#streams.values()].map(({ definition, syncMode }) =>
      this.#outcomes.get(definition.name) ?? {
        stream: definition.name,
        syncMode,
        status: "NOT READ",
        rows: this.#closed ? 0 : this.#count(definition.name),
        added: 0,
        changed: 0,
        removed: 0,
      }
    );
  }

  /**
   * Commits what was written and closes the file (its lock goes with it).
   * Later calls do nothing, so a stop signal may close it mid-read.
   */
  close(): void {
    if (this.#closed) return;
    this.#commit();
    this.#closed = true;
    this.#db.close();
  }

  /** The columns of an existing table (none when it does not exist). */
  #columns(table: string): Column[] {
    return this.#db.prepare(`PRAGMA table_info(${quote(table)})`).all().map((
      row,
    ) => ({ name: String(row.name), type: String(row.type) }));
  }

  /** Rows of a table, 0 when it does not exist. */
  #count(table: string): number {
    if (this.#columns(table).length === 0) return 0;
    return Number(
      (this.#db.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as {
        n: number;
      }).n,
    );
  }

  /**
   * The log of syncs, the state table, and each stream's table with a
   * column for every property its schema has now.
   */
  #migrate(streams: readonly ConfiguredStream[]): void {
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS ${SYNCS_TABLE} (
        sync INTEGER NOT NULL, started_at TEXT NOT NULL, stream TEXT NOT NULL,
        ended_at TEXT, status TEXT NOT NULL, rows INTEGER, added INTEGER,
        changed INTEGER, removed INTEGER, PRIMARY KEY (sync, stream));
      CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (
        stream TEXT PRIMARY KEY, state TEXT NOT NULL, saved_at TEXT NOT NULL);
      UPDATE ${SYNCS_TABLE} SET status = 'INTERRUPTED' WHERE status = 'RUNNING';
    `);
    for (const { definition } of streams) {
      const existing = this.#columns(definition.name);
      const layout = tableLayout(definition, existing);
      if (existing.length === 0) {
        this.#db.exec(createTableSql(layout, definition.name));
        continue;
      }
      const have = new Set(existing.map((column) => column.name));
      for (const column of layout.columns) {
        if (have.has(column.name)) continue;
        this.#db.exec(
          `ALTER TABLE ${quote(definition.name)} ADD COLUMN ${
            quote(column.name)
          } ${column.type}`,
        );
      }
    }
  }

  /**
   * The insert of a stream's rows: an upsert by primary key that changes a
   * row only when a value differs (so `changes` counts real changes), or,
   * into a staging table, the last copy of a key wins.
   */
  #insertSql(layout: TableLayout, target: string, mode: SyncMode): string {
    const columns = allColumns(layout);
    const into = `INTO ${quote(target)} (${
      columns.map(quote).join(", ")
    }) VALUES (${columns.map(() => "?").join(", ")})`;
    if (mode === "full_refresh") return `INSERT OR REPLACE ${into}`;
    const keys = new Set(layout.primaryKey);
    const compared = columns.filter((c) => !keys.has(c) && c !== EXTRACTED_AT);
    const updated = columns.filter((c) => !keys.has(c));
    if (updated.length === 0) return `INSERT OR IGNORE ${into}`;
    return `INSERT ${into} ON CONFLICT (${
      layout.primaryKey.map(quote).join(", ")
    }) DO UPDATE SET ${
      updated.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(", ")
    } WHERE (${
      compared.map((c) => `${quote(target)}.${quote(c)}`).join(", ")
    }) IS NOT (${compared.map((c) => `excluded.${quote(c)}`).join(", ")})`;
  }

  /** Puts a completed staging table in its table's place; the figures of the change. */
  #replace(
    writing: _StreamWrite,
  ): Omit<StreamOutcome, "stream" | "syncMode" | "status"> {
    const { layout, target } = writing;
    const table = quote(layout.name);
    const staging = quote(target);
    const key = (alias: string, other: string) =>
      layout.primaryKey.map((c) =>
        `${alias}.${quote(c)} = ${other}.${quote(c)}`
      )
        .join(" AND ");
    const count = (sql: string) =>
      Number((this.#db.prepare(sql).get() as { n: number }).n);
    const data = [...layout.columns.map((c) => c.name), ADDITIONAL_PROPERTIES]
      .map(quote);
    const figures = {
      rows: count(`SELECT count(*) AS n FROM ${staging}`),
      added: count(
        `SELECT count(*) AS n FROM ${staging} s WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE ${
          key("t", "s")
        })`,
      ),
      removed: count(
        `SELECT count(*) AS n FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM ${staging} s WHERE ${
          key("t", "s")
        })`,
      ),
      changed: count(
        `SELECT count(*) AS n FROM ${staging} s JOIN ${table} t ON ${
          key("t", "s")
        } WHERE (${data.map((c) => `s.${c}`).join(", ")}) IS NOT (${
          data.map((c) => `t.${c}`).join(", ")
        })`,
      ),
    };
    this.#db.exec(`DROP TABLE ${table}`);
    this.#db.exec(`ALTER TABLE ${staging} RENAME TO ${table}`);
    return figures;
  }

  #begin(): void {
    if (this.#inTransaction) return;
    this.#db.exec("BEGIN IMMEDIATE");
    this.#inTransaction = true;
  }

  #commit(): void {
    if (!this.#inTransaction) return;
    this.#db.exec("COMMIT");
    this.#inTransaction = false;
    this.#pending = 0;
  }
}
