import type { PoolClient } from 'pg';
import { BatonError } from '../../core/index.js';

/** One change of the journal's schema. Applied in order, each exactly once, never edited once released. */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as an ordered list, in the same style as SQLite's: the tables and columns have the
 * same names and hold the same text, so one row codec reads both. Times are epoch milliseconds.
 * Values whose JSON passes about 1 KiB live once in `blobs`, keyed by sha256.
 */
export const postgresMigrations: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'create journal',
    sql: `
      CREATE TABLE blobs (hash TEXT PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        workflow_name TEXT NOT NULL,
        workflow_hash TEXT NOT NULL,
        definition TEXT,
        definition_blob TEXT,
        input TEXT,
        input_blob TEXT,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        ended_at BIGINT,
        output TEXT,
        output_blob TEXT,
        error TEXT,
        parent_run_id TEXT,
        usage TEXT NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL
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
        started_at BIGINT,
        ended_at BIGINT,
        input TEXT,
        input_blob TEXT,
        output TEXT,
        output_blob TEXT,
        error TEXT,
        note TEXT,
        model TEXT,
        usage TEXT,
        cost_usd DOUBLE PRECISION,
        output_size INTEGER,
        cached INTEGER,
        handled TEXT,
        PRIMARY KEY (run_id, path)
      );
      CREATE TABLE attempts (
        run_id TEXT NOT NULL,
        path TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        error TEXT,
        PRIMARY KEY (run_id, path, attempt)
      );
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
        created_at BIGINT NOT NULL,
        PRIMARY KEY (run_id, path, sequence)
      );
      CREATE TABLE leases (
        run_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        until BIGINT NOT NULL,
        epoch INTEGER NOT NULL
      );
      CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        value TEXT,
        value_blob TEXT,
        model TEXT,
        usage TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE workflow_files (
        workflow_hash TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        recorded_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'create events',
    // The event journal: one row per event, numbered per run, so a late reader catches up by seq.
    sql: `
      CREATE TABLE events (
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
    `,
  },
  {
    version: 3,
    name: 'distributed workers',
    sql: `
      CREATE TABLE run_queues (run_id TEXT PRIMARY KEY, queue TEXT NOT NULL);
      CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        queue_worker_ids TEXT NOT NULL,
        workflows TEXT NOT NULL,
        queues TEXT NOT NULL,
        concurrency INTEGER NOT NULL,
        started_at BIGINT NOT NULL,
        seen_at BIGINT NOT NULL,
        stats TEXT NOT NULL
      );
      CREATE TABLE limiter_holds (
        key TEXT NOT NULL,
        id TEXT NOT NULL,
        amount DOUBLE PRECISION NOT NULL,
        until BIGINT NOT NULL,
        PRIMARY KEY (key, id)
      );
    `,
  },
];

/** The schema version this code writes and understands; a database at a higher one is refused. */
export const postgresSchemaVersion: number = postgresMigrations.at(-1)?.version ?? 0;

/**
 * Brings the schema up to date in one transaction, under an advisory lock so processes starting
 * together migrate once. A schema from a newer Baton is refused and left exactly as it was.
 * @internal
 */
export async function migratePostgres(client: PoolClient, schema: string, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    // The lock first: CREATE SCHEMA IF NOT EXISTS is not safe against a process creating it at once.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`baton:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    );
    const current = rows[0]?.version ?? 0;
    if (current > postgresSchemaVersion) {
      throw new BatonError(
        'STORE_UNAVAILABLE',
        `The journal at ${where} has schema version ${current}; this Baton understands up to ${postgresSchemaVersion}.`,
        {
          hint: 'Upgrade Baton to open this journal; it was left unchanged.',
          details: { version: current, supported: postgresSchemaVersion },
        },
      );
    }
    for (const migration of postgresMigrations) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** A schema name as a quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
