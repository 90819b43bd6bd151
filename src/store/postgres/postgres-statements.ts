/**
 * The SQL of the PostgreSQL journal. Column order of the inserts matches the `*Parameters`
 * functions of `journal-rows.ts`, which SQLite shares.
 */
import type { RunFilter } from '../../core/index.js';

const runColumns = 'r.*, d.body AS definition_body, i.body AS input_body, o.body AS output_body';
const stepColumns = 's.*, i.body AS input_body, o.body AS output_body';
const subCallColumns = 'c.*, q.body AS request_body, a.body AS response_body';

export const postgresSql = {
  insertBlobs: `
    INSERT INTO blobs (hash, body) SELECT * FROM unnest($1::text[], $2::text[])
    ON CONFLICT (hash) DO NOTHING`,
  selectBlobs: 'SELECT hash, body FROM blobs WHERE hash = ANY($1::text[])',
  insertRun: `
    INSERT INTO runs (id, workflow_name, workflow_hash, definition, definition_blob, input, input_blob, status,
      created_at, ended_at, output, output_blob, error, parent_run_id, usage, cost_usd)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
  // listRuns reuses this text, swapping the WHERE clause for its filters.
  selectRun: `
    SELECT ${runColumns} FROM runs r
    LEFT JOIN blobs d ON d.hash = r.definition_blob
    LEFT JOIN blobs i ON i.hash = r.input_blob
    LEFT JOIN blobs o ON o.hash = r.output_blob
    WHERE r.id = $1`,
  // NULLS FIRST: instances without a start time come first, as in SQLite.
  selectSteps: `
    SELECT ${stepColumns} FROM steps s
    LEFT JOIN blobs i ON i.hash = s.input_blob
    LEFT JOIN blobs o ON o.hash = s.output_blob
    WHERE s.run_id = $1 ORDER BY s.started_at NULLS FIRST, s.path COLLATE "C"`,
  selectAttempts: 'SELECT * FROM attempts WHERE run_id = $1 ORDER BY path COLLATE "C", attempt',
  selectPathAttempts: 'SELECT * FROM attempts WHERE run_id = $1 AND path = $2 ORDER BY attempt',
  insertSubCallOnce: `
    INSERT INTO sub_calls (run_id, path, sequence, kind, name, request, request_blob, response, response_blob,
      created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (run_id, path, sequence) DO NOTHING`,
  selectSubCalls: `
    SELECT ${subCallColumns} FROM sub_calls c
    LEFT JOIN blobs q ON q.hash = c.request_blob
    LEFT JOIN blobs a ON a.hash = c.response_blob
    WHERE c.run_id = $1 AND c.path = $2 ORDER BY c.sequence`,
  selectSubCall: `
    SELECT ${subCallColumns} FROM sub_calls c
    LEFT JOIN blobs q ON q.hash = c.request_blob
    LEFT JOIN blobs a ON a.hash = c.response_blob
    WHERE c.run_id = $1 AND c.path = $2 AND c.sequence = $3`,
  // One statement, so two processes claiming at once cannot both win: the row is taken when it is
  // free, already this owner's, or its lease has expired. The epoch moves on whenever the lease
  // changes hands, and stays when its holder renews it.
  claimLease: `
    INSERT INTO leases (run_id, owner, until, epoch) VALUES ($1, $2, $3, 1)
    ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, until = excluded.until,
      epoch = CASE WHEN leases.owner = excluded.owner AND leases.until > 0 THEN leases.epoch
        ELSE leases.epoch + 1 END
    WHERE leases.owner = excluded.owner OR leases.until <= $4
    RETURNING epoch`,
  releaseLease: 'UPDATE leases SET until = 0 WHERE run_id = $1 AND owner = $2',
  // FOR SHARE: a claim (an UPDATE of this row) waits until the fenced write commits, and a fenced
  // write that starts after a claim committed reads the new epoch.
  selectEpochsForShare: 'SELECT run_id, epoch FROM leases WHERE run_id = ANY($1::text[]) FOR SHARE',
  upsertWorkflowFile: `
    INSERT INTO workflow_files (workflow_hash, path, recorded_at) VALUES ($1, $2, $3)
    ON CONFLICT (workflow_hash) DO UPDATE SET path = excluded.path, recorded_at = excluded.recorded_at`,
  selectWorkflowFile: 'SELECT path FROM workflow_files WHERE workflow_hash = $1',
  // Appends only when the first event follows the run's last one, so the journal has no gap.
  insertEvents: `
    INSERT INTO events (run_id, seq, type, body)
    SELECT $1, (e->>0)::integer, e->>1, e->>2 FROM json_array_elements($2::json) AS e
    WHERE (SELECT coalesce(max(seq), 0) FROM events WHERE run_id = $1) = $3`,
  selectEvents: 'SELECT body FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
  selectLastEventSeq: 'SELECT coalesce(max(seq), 0) AS seq FROM events WHERE run_id = $1',
  // Delivered when the transaction commits; a follower LISTENs on this channel.
  notifyEvents: 'SELECT pg_notify($1, $2)',
  selectCache: `
    SELECT c.*, v.body AS value_body FROM cache c
    LEFT JOIN blobs v ON v.hash = c.value_blob
    WHERE c.key = $1`,
} as const;

/**
 * The tables written in batches, with their columns in the order of the `*Parameters` functions
 * and their keys: a batch keeps the last row per key (each write replaces the whole row) and
 * upserts the rest in one statement per table.
 */
export const batchedTables = {
  steps: {
    key: ['run_id', 'path'],
    columns: [
      ['run_id', 'text'],
      ['path', 'text'],
      ['step_id', 'text'],
      ['kind', 'text'],
      ['status', 'text'],
      ['attempt', 'integer'],
      ['started_at', 'bigint'],
      ['ended_at', 'bigint'],
      ['input', 'text'],
      ['input_blob', 'text'],
      ['output', 'text'],
      ['output_blob', 'text'],
      ['error', 'text'],
      ['note', 'text'],
      ['model', 'text'],
      ['usage', 'text'],
      ['cost_usd', 'double precision'],
      ['output_size', 'integer'],
      ['cached', 'integer'],
      ['handled', 'text'],
    ],
  },
  attempts: {
    key: ['run_id', 'path', 'attempt'],
    columns: [
      ['run_id', 'text'],
      ['path', 'text'],
      ['attempt', 'integer'],
      ['status', 'text'],
      ['started_at', 'bigint'],
      ['ended_at', 'bigint'],
      ['error', 'text'],
    ],
  },
  sub_calls: {
    key: ['run_id', 'path', 'sequence'],
    columns: [
      ['run_id', 'text'],
      ['path', 'text'],
      ['sequence', 'integer'],
      ['kind', 'text'],
      ['name', 'text'],
      ['request', 'text'],
      ['request_blob', 'text'],
      ['response', 'text'],
      ['response_blob', 'text'],
      ['created_at', 'bigint'],
    ],
  },
  cache: {
    key: ['key'],
    columns: [
      ['key', 'text'],
      ['value', 'text'],
      ['value_blob', 'text'],
      ['model', 'text'],
      ['usage', 'text'],
      ['created_at', 'bigint'],
    ],
  },
} as const satisfies Record<
  string,
  { key: readonly string[]; columns: ReadonlyArray<readonly [string, string]> }
>;

export type BatchedTable = keyof typeof batchedTables;

/** One upsert of many rows, passed as one JSON array of arrays (`$1`). */
export function batchUpsertSql(table: BatchedTable): string {
  const { key, columns } = batchedTables[table];
  const names = columns.map(([name]) => name);
  const selected = columns.map(([name, type], index) => `(row->>${index})::${type} AS ${name}`);
  const updates = names
    .filter((name) => !(key as readonly string[]).includes(name))
    .map((name) => `${name} = excluded.${name}`);
  return `INSERT INTO ${table} (${names.join(', ')})
    SELECT ${selected.join(', ')} FROM json_array_elements($1::json) AS row
    ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
}

/** The listRuns query: the run select with the filter's conditions, newest first. */
export function listRunsQuery(filter: RunFilter): { text: string; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    conditions.push(condition.replace('?', `$${values.length}`));
  };
  if (filter.workflowName !== undefined) add('r.workflow_name = ?', filter.workflowName);
  if (filter.status !== undefined) add('r.status = ?', filter.status);
  if (filter.since !== undefined) add('r.created_at >= ?', filter.since);
  if (filter.before !== undefined) {
    // A row comparison, so the (created_at DESC, id DESC) index serves the page without a sort.
    values.push(filter.before.createdAt, filter.before.id);
    conditions.push(`(r.created_at, r.id) < ($${values.length - 1}, $${values.length})`);
  }
  if (filter.search !== undefined) {
    values.push(filter.search);
    conditions.push(
      `(strpos(r.id, $${values.length}) > 0 OR strpos(r.workflow_name, $${values.length}) > 0)`,
    );
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  let text = `${postgresSql.selectRun.replace('WHERE r.id = $1', where)} ORDER BY r.created_at DESC, r.id DESC`;
  if (filter.limit !== undefined) {
    values.push(filter.limit);
    text += ` LIMIT $${values.length}`;
  }
  return { text, values };
}
