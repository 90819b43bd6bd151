import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { BatonError } from '../../core/index.js';
import { openDatabase } from './sqlite-driver.js';

/** One change of the journal's schema. Applied in order, each exactly once, never edited once released. */
export interface SqliteMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as an ordered list. `PRAGMA user_version` holds the version a file is at (one read of
 * the header tells whether this code understands it); `schema_migrations` records when each
 * migration ran. Values whose JSON passes about 1 KiB live once in `blobs`, keyed by sha256, and
 * records point at them through the `*_blob` columns.
 */
export const sqliteMigrations: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'create journal',
    sql: `
      CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      );
      CREATE TABLE blobs (
        hash TEXT PRIMARY KEY,
        body TEXT NOT NULL
      );
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        workflow_name TEXT NOT NULL,
        workflow_hash TEXT NOT NULL,
        definition TEXT,
        definition_blob TEXT,
        input TEXT,
        input_blob TEXT,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        ended_at INTEGER,
        output TEXT,
        output_blob TEXT,
        error TEXT,
        parent_run_id TEXT,
        usage TEXT NOT NULL,
        cost_usd REAL NOT NULL
      );
      CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
      CREATE INDEX runs_by_workflow ON runs (workflow_name, created_at DESC, id DESC);
      CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);
      CREATE TABLE steps (
        run_id TEXT NOT NULL,
        path TEXT NOT NULL,
        step_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        input TEXT,
        input_blob TEXT,
        output TEXT,
        output_blob TEXT,
        error TEXT,
        note TEXT,
        model TEXT,
        usage TEXT,
        cost_usd REAL,
        output_size INTEGER,
        cached INTEGER,
        PRIMARY KEY (run_id, path)
      ) WITHOUT ROWID;
      CREATE TABLE attempts (
        run_id TEXT NOT NULL,
        path TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        error TEXT,
        PRIMARY KEY (run_id, path, attempt)
      ) WITHOUT ROWID;
      CREATE TABLE sub_calls (
        run_id TEXT NOT NULL,
        path TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        kind TEXT NOT NULL,
        name TEXT,
        request TEXT,
        request_blob TEXT,
        response TEXT,
        response_blob TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, path, sequence)
      ) WITHOUT ROWID;
      CREATE TABLE leases (
        run_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        until INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'create cache',
    // WITHOUT ROWID: a TEXT primary key on a rowid table is a second B-tree, so every lookup and
    // write would touch two. Values past the inline limit go to `blobs` like step outputs, which
    // keeps rows small and stores a result cached under many keys once.
    sql: `
      CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        value TEXT,
        value_blob TEXT,
        model TEXT,
        usage TEXT,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'lease epochs',
    // The fence of every journal write. Existing leases start at epoch 1; a released lease keeps
    // its row (until 0) so the epoch is never reset.
    sql: `ALTER TABLE leases ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;`,
  },
  {
    version: 4,
    name: 'create workflow files',
    // Which file a journaled definition came from, so a resume finds its module. One row per
    // definition hash: concurrent registrations are separate upserts and cannot lose each other.
    sql: `
      CREATE TABLE workflow_files (
        workflow_hash TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        recorded_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'handled failures',
    // How an onError policy handled a failed step, as a field instead of text in \`note\`;
    // failures journaled before it are read from their note once, here.
    sql: `
      ALTER TABLE steps ADD COLUMN handled TEXT;
      UPDATE steps SET handled = 'continued' WHERE status = 'failed' AND note = 'continued';
      UPDATE steps SET handled = 'routed' WHERE status = 'failed' AND note LIKE 'routed to %';
    `,
  },
  {
    version: 6,
    name: 'create events',
    // The event journal: one row per event, numbered per run, so a late reader catches up by seq.
    sql: `
      CREATE TABLE events (
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;
    `,
  },
];

/**
 * The schema version this code writes and understands; a file at a higher one is refused.
 *
 * @example
 * ```ts
 * console.log(`journal schema v${sqliteSchemaVersion}`);
 * ```
 */
export const sqliteSchemaVersion: number = sqliteMigrations.at(-1)?.version ?? 0;

/**
 * Refuses a file this code must not write to: one from a newer Baton, or a SQLite database that
 * is not a Baton journal. Even switching a file to WAL rewrites its header, and a refused file
 * must stay byte for byte as it was, so this only reads: the header when no WAL file exists (a
 * read-only connection would leave empty -wal and -shm files behind), else a read-only connection.
 */
export function assertJournalFile(path: string, timeoutMs: number): void {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const header = existsSync(`${path}-wal`) ? undefined : headerUserVersion(path);
  if (header !== undefined && header > 0) {
    assertKnownVersion(path, header);
    return;
  }
  const probe = openDatabase(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
  try {
    // One statement reads one snapshot: another process may be migrating this very file.
    const found = probe
      .prepare(
        `SELECT (SELECT user_version FROM pragma_user_version) AS version,
           (SELECT json_group_array(name) FROM sqlite_master WHERE type = 'table') AS tables`,
      )
      .get() as { version: number; tables: string };
    assertKnownVersion(path, found.version);
    const tables = JSON.parse(found.tables) as string[];
    // Version 0 with no tables is a journal whose first open stopped before migrating.
    if (found.version === 0 && tables.length > 0) {
      throw new BatonError(
        'STORE_UNAVAILABLE',
        `The file ${path} is a SQLite database but not a Baton journal; it was left unchanged.`,
        {
          hint: 'Point createSqliteStore({ path }) at a new file, or at a journal Baton created.',
          details: { path, tables },
        },
      );
    }
  } finally {
    probe.close();
  }
}

function assertKnownVersion(path: string, version: number): void {
  if (version <= sqliteSchemaVersion) return;
  throw new BatonError(
    'STORE_UNAVAILABLE',
    `The journal at ${path} has schema version ${version}, but this version of Baton knows versions up to ${sqliteSchemaVersion}; it was left unchanged.`,
    {
      hint: 'A newer Baton wrote this file: upgrade Baton to open it, or give this one another file with createSqliteStore({ path }).',
      details: { path, schemaVersion: version, supportedSchemaVersion: sqliteSchemaVersion },
    },
  );
}

/** `PRAGMA user_version` as the file header holds it (bytes 60-63), or undefined for a non-SQLite file. */
function headerUserVersion(path: string): number | undefined {
  const header = Buffer.alloc(100);
  const file = openSync(path, 'r');
  try {
    if (readSync(file, header, 0, 100, 0) < 100) return undefined;
  } finally {
    closeSync(file);
  }
  return header.toString('latin1', 0, 16) === 'SQLite format 3\u0000' ? header.readInt32BE(60) : undefined;
}

/**
 * Switches the file to WAL. On a new file opened by several processes at once, the switch can
 * meet SQLITE_BUSY without SQLite waiting first (it needs the file to itself), so it is retried
 * for up to the busy timeout. A file already in WAL mode needs no lock and returns at once.
 * @internal
 */
export function enableWriteAheadLog(database: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw error;
      // The constructor is synchronous, so this waits without an event loop: a few ms at a time.
      Atomics.wait(pause, 0, 0, 2 + Math.random() * 8);
    }
  }
}

/**
 * Brings a journal up to {@link sqliteSchemaVersion}. The check and the migrations run in one
 * IMMEDIATE transaction, so two processes opening a new file at once migrate it once.
 * @internal
 */
export function migrateJournal(database: Database.Database, path: string): void {
  if ((database.pragma('user_version', { simple: true }) as number) === sqliteSchemaVersion) return;
  const migrate = database.transaction(() => {
    const current = database.pragma('user_version', { simple: true }) as number;
    if (current > sqliteSchemaVersion) {
      throw new BatonError(
        'STORE_UNAVAILABLE',
        `The journal at ${path} was upgraded to schema version ${current} by a newer Baton while it was being opened.`,
        {
          hint: 'Upgrade Baton to open it.',
          details: { path, schemaVersion: current, supportedSchemaVersion: sqliteSchemaVersion },
        },
      );
    }
    const record = () =>
      database.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of sqliteMigrations) {
      if (migration.version <= current) continue;
      database.exec(migration.sql);
      record().run(migration.version, migration.name, Date.now());
    }
    // A pragma cannot take a bound parameter; the version is a number this module defines.
    database.pragma(`user_version = ${sqliteSchemaVersion}`);
  });
  migrate.immediate();
}
