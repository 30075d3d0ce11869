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

import {
  chmodSync,
  closeSync,
  constants,
  openSync,
  type Stats,
  statSync,
  unlinkSync,
} from "node:fs";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  ConnectorError,
  permissionError,
  RunStoppingError,
} from "../errors.ts";
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

/** SQLite's result codes that `open` and the writes explain. */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** How a stream of this sync ended. */
export type SyncStatus = "COMPLETE" | "INCOMPLETE" | "NOT READ";

/** One stream's figures for the summary and the `_syncs` table. */
export interface StreamFigures {
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

/** The file system's refusals, as the one-line errors say them. */
const _REFUSALS: Record<string, string> = {
  ENOENT: "no such directory",
  EACCES: "permission denied",
  EPERM: "not permitted",
  EROFS: "read-only file system",
};

/** Why the file system refused, in words. */
function _refusal(error: unknown): string {
  const code = (error as { code?: string }).code;
  return (code && _REFUSALS[code]) ?? code ?? String(error);
}

/**
 * Creates the file, readable and writable by its owner only, when it does
 * not exist yet. An existing file must be writable: SQLite would open a
 * read-only one read-only and fail later with a bare "disk I/O error".
 *
 * @returns Whether it was created.
 */
function _prepareFile(path: string): boolean {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
    return _createNew(path);
  }
  if (!stat.isFile()) {
    _fail(`--db ${path} is not a file; give a file name, e.g. aircall.sqlite.`);
  }
  try {
    // Opened for writing, nothing written: the file stays as it was.
    // (Deno's `accessSync` would need --allow-sys.)
    closeSync(openSync(path, constants.O_RDWR));
  } catch (error) {
    if (permissionError(error)) _denied(path);
    _fail(
      `Cannot write the database ${path} (${
        _refusal(error)
      }); make it writable, or give --db a file you can write.`,
    );
  }
  // An empty file (made by `touch`, say) becomes a new database: it will
  // hold customers' data, so its owner's only, as one sync creates.
  if (stat.size === 0) chmodSync(path, 0o600);
  return false;
}

/** Creates a new file, mode 0600; always true (it was created). */
function _createNew(path: string): true {
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
    _fail(
      `Cannot create the database ${path} (${
        _refusal(error)
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
  #outcomes = new Map<string, StreamFigures>();
  #pending = 0;
  #inTransaction = false;
  /** Whether a write failed (and was rolled back). */
  #failed = false;
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
    const created = _prepareFile(path);
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
    this.#guarded(() => {
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
    });
  }

  /**
   * Writes a page of a stream's records; commits every {@linkcode BATCH_ROWS}.
   *
   * @param stream The stream's name.
   * @param records Its records, as the engine emits them.
   */
  insert(stream: string, records: readonly Record<string, unknown>[]): void {
    if (this.#closed) return;
    this.#guarded(() => {
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
    });
  }

  /**
   * A stream's STATE: committed with every record before it.
   *
   * @param stream The stream's name.
   * @param state Its state blob.
   */
  checkpoint(stream: string, state: StateBlob): void {
    if (this.#closed) return;
    this.#guarded(() => {
      if (this.#streams.get(stream)?.syncMode === "incremental") {
        this.#begin();
        this.#saveState.run(
          stream,
          JSON.stringify(state),
          new Date(this.#now()).toISOString(),
        );
      }
      this.#commit();
    });
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
    this.#guarded(() => {
      const writing = this.#writing.get(stream);
      if (!writing) return;
      this.#writing.delete(stream);
      this.#begin();
      const outcome: StreamFigures = {
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
        // IF EXISTS: a failed write may have rolled its creation back.
        this.#db.exec(`DROP TABLE IF EXISTS ${quote(writing.target)}`);
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
    });
  }

  /** Every configured stream's figures, in catalog order; unread ones as they stand. */
  outcomes(): StreamFigures[] {
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
    const failedBefore = this.#failed;
    try {
      this.#guarded(() => this.#finish());
    } catch (error) {
      // The first failure is the one told; this one only follows from it.
      if (!failedBefore) throw error;
    } finally {
      this.#closed = true;
      this.#db.close();
    }
  }

  /** What close commits: how the streams not ended ended. */
  #finish(): void {
    // Streams still being written were stopped: the log says so now, not
    // RUNNING until the next sync, and a half-written staging table goes.
    for (const [stream, writing] of this.#writing) {
      this.#begin();
      if (writing.syncMode === "full_refresh") {
        this.#db.exec(`DROP TABLE IF EXISTS ${quote(writing.target)}`);
      }
      this.#db.prepare(
        `UPDATE ${SYNCS_TABLE} SET ended_at = ?, status = 'INTERRUPTED' WHERE sync = ? AND stream = ?`,
      ).run(new Date(this.#now()).toISOString(), this.#sync, stream);
    }
    this.#writing.clear();
    // Streams never started (a run-stopping failure, a stop signal): the log
    // says they were not read, as the summary does.
    const notRead = this.#db.prepare(
      `INSERT OR IGNORE INTO ${SYNCS_TABLE} (sync, started_at, stream, status) VALUES (?, ?, ?, 'NOT READ')`,
    );
    for (const stream of this.#streams.keys()) {
      if (this.#outcomes.has(stream)) continue;
      this.#begin();
      notRead.run(this.#sync, this.#startedAt, stream);
    }
    this.#commit();
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
    // A sync killed mid full refresh leaves its staging table committed:
    // gone now, whether or not this sync reads that stream again.
    const staging = this.#db.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?`,
    ).all(_staging("*"));
    for (const { name } of staging) {
      this.#db.exec(`DROP TABLE ${quote(String(name))}`);
    }
    for (const { definition } of streams) {
      const existing = this.#columns(definition.name);
      const layout = tableLayout(definition, existing);
      if (existing.length === 0) {
        this.#db.exec(createTableSql(layout, definition.name));
        // A state without its table (dropped by hand to start over) would
        // be ahead of the rows: the stream starts from start_date again.
        this.#db.prepare(`DELETE FROM ${STATE_TABLE} WHERE stream = ?`).run(
          definition.name,
        );
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
  ): Omit<StreamFigures, "stream" | "syncMode" | "status"> {
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

  /**
   * Runs a write. A failed one rolls back the open transaction (rows since
   * the last commit, which no committed state covers: a rerun reads them
   * again), so the store stays consistent and usable. A full disk or an I/O
   * error stops the sync: every later write would fail the same way.
   */
  #guarded<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      this.#failed = true;
      if (this.#inTransaction) {
        this.#inTransaction = false;
        this.#pending = 0;
        try {
          this.#db.exec("ROLLBACK");
        } catch {
          // SQLite rolled it back itself (as it may on a full disk).
        }
      }
      throw this.#stopping(error);
    }
  }

  /** A full disk or an I/O error as a run-stopping one-line error. */
  #stopping(error: unknown): unknown {
    switch (_errcode(error)) {
      case SQLITE_FULL:
        return new RunStoppingError(
          "system_error",
          `The database ${this.path} is full (no space left on its disk); free some and run sync again: what was committed is kept.`,
        );
      case SQLITE_IOERR:
        return new RunStoppingError(
          "system_error",
          `Cannot write the database ${this.path} (disk I/O error); check its disk and run sync again: what was committed is kept.`,
        );
    }
    return error;
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
