import type { RunFilter } from '../../core/index.js';

/**
 * The SQL of the journal, prepared once per store. Column order of the inserts matches the
 * `*Parameters` functions of `sqlite-records.ts`.
 */

const runColumns = `r.*, d.body AS definition_body, i.body AS input_body, o.body AS output_body`;
const stepColumns = `s.*, i.body AS input_body, o.body AS output_body`;

export const sqlStatements = {
  insertBlob: 'INSERT INTO blobs (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING',
  selectBlob: 'SELECT body FROM blobs WHERE hash = ?',
  insertRun: `
    INSERT INTO runs (id, workflow_name, workflow_hash, definition, definition_blob, input, input_blob, status,
      created_at, ended_at, output, output_blob, error, parent_run_id, usage, cost_usd)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // listRuns reuses this text, swapping the WHERE clause for its filters.
  selectRun: `
    SELECT ${runColumns} FROM runs r
    LEFT JOIN blobs d ON d.hash = r.definition_blob
    LEFT JOIN blobs i ON i.hash = r.input_blob
    LEFT JOIN blobs o ON o.hash = r.output_blob
    WHERE r.id = ?`,
  // A full replace of the record at (run_id, path). WITHOUT ROWID keeps it to one B-tree, so a
  // write dirties one page of it instead of two: fewer WAL bytes, fewer checkpoint fsyncs.
  upsertStep: `
    INSERT INTO steps (run_id, path, step_id, kind, status, attempt, started_at, ended_at, input, input_blob,
      output, output_blob, error, note, model, usage, cost_usd, output_size, cached, handled)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (run_id, path) DO UPDATE SET step_id = excluded.step_id, kind = excluded.kind,
      status = excluded.status, attempt = excluded.attempt, started_at = excluded.started_at,
      ended_at = excluded.ended_at, input = excluded.input, input_blob = excluded.input_blob,
      output = excluded.output, output_blob = excluded.output_blob, error = excluded.error, note = excluded.note,
      model = excluded.model, usage = excluded.usage, cost_usd = excluded.cost_usd,
      output_size = excluded.output_size, cached = excluded.cached, handled = excluded.handled`,
  selectSteps: `
    SELECT ${stepColumns} FROM steps s
    LEFT JOIN blobs i ON i.hash = s.input_blob
    LEFT JOIN blobs o ON o.hash = s.output_blob
    WHERE s.run_id = ? ORDER BY s.started_at, s.path`,
  upsertAttempt: `
    INSERT INTO attempts (run_id, path, attempt, status, started_at, ended_at, error) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (run_id, path, attempt) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
      ended_at = excluded.ended_at, error = excluded.error`,
  selectAttempts: 'SELECT * FROM attempts WHERE run_id = ? ORDER BY path, attempt',
  selectPathAttempts: 'SELECT * FROM attempts WHERE run_id = ? AND path = ? ORDER BY attempt',
  upsertSubCall: `
    INSERT INTO sub_calls (run_id, path, sequence, kind, name, request, request_blob, response, response_blob,
      created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (run_id, path, sequence) DO UPDATE SET kind = excluded.kind, name = excluded.name,
      request = excluded.request, request_blob = excluded.request_blob, response = excluded.response,
      response_blob = excluded.response_blob, created_at = excluded.created_at`,
  insertSubCallOnce: `
    INSERT INTO sub_calls (run_id, path, sequence, kind, name, request, request_blob, response, response_blob,
      created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (run_id, path, sequence) DO NOTHING`,
  selectSubCall: `
    SELECT c.*, q.body AS request_body, a.body AS response_body FROM sub_calls c
    LEFT JOIN blobs q ON q.hash = c.request_blob
    LEFT JOIN blobs a ON a.hash = c.response_blob
    WHERE c.run_id = ? AND c.path = ? AND c.sequence = ?`,
  selectSubCalls: `
    SELECT c.*, q.body AS request_body, a.body AS response_body FROM sub_calls c
    LEFT JOIN blobs q ON q.hash = c.request_blob
    LEFT JOIN blobs a ON a.hash = c.response_blob
    WHERE c.run_id = ? AND c.path = ? ORDER BY c.sequence`,
  // One statement, so two processes claiming at once cannot both win: the row is taken when it is
  // free, already this owner's, or its lease has expired.
  // The epoch moves on whenever the lease changes hands, and stays when its holder renews it.
  claimLease: `
    INSERT INTO leases (run_id, owner, until, epoch) VALUES (?, ?, ?, 1)
    ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, until = excluded.until,
      epoch = CASE WHEN leases.owner = excluded.owner AND leases.until > 0 THEN leases.epoch
        ELSE leases.epoch + 1 END
    WHERE leases.owner = excluded.owner OR leases.until <= ?
    RETURNING epoch`,
  releaseLease: 'UPDATE leases SET until = 0 WHERE run_id = ? AND owner = ?',
  selectEpoch: 'SELECT epoch FROM leases WHERE run_id = ?',
  upsertWorkflowFile: `
    INSERT INTO workflow_files (workflow_hash, path, recorded_at) VALUES (?, ?, ?)
    ON CONFLICT (workflow_hash) DO UPDATE SET path = excluded.path, recorded_at = excluded.recorded_at`,
  selectWorkflowFile: 'SELECT path FROM workflow_files WHERE workflow_hash = ?',
  insertEvent: 'INSERT INTO events (run_id, seq, type, body) VALUES (?, ?, ?, ?)',
  selectEvents: 'SELECT body FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  selectLastEventSeq: 'SELECT coalesce(max(seq), 0) FROM events WHERE run_id = ?',
  upsertCache: `
    INSERT INTO cache (key, value, value_blob, model, usage, created_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, value_blob = excluded.value_blob,
      model = excluded.model, usage = excluded.usage, created_at = excluded.created_at`,
  selectCache: `
    SELECT c.*, v.body AS value_body FROM cache c
    LEFT JOIN blobs v ON v.hash = c.value_blob
    WHERE c.key = ?`,
} as const;

/** The SQL of `listRuns` for a filter, and its parameters: the run query with the filter's conditions. */
export function listRunsQuery(filter: RunFilter): { sql: string; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (filter.workflowName !== undefined) {
    conditions.push('r.workflow_name = ?');
    values.push(filter.workflowName);
  }
  if (filter.status !== undefined) {
    conditions.push('r.status = ?');
    values.push(filter.status);
  }
  if (filter.since !== undefined) {
    conditions.push('r.created_at >= ?');
    values.push(filter.since);
  }
  if (filter.before !== undefined) {
    // A row value, so the (created_at DESC, id DESC) index serves the page without a sort.
    conditions.push('(r.created_at, r.id) < (?, ?)');
    values.push(filter.before.createdAt, filter.before.id);
  }
  if (filter.search !== undefined) {
    conditions.push('(instr(r.id, ?) > 0 OR instr(r.workflow_name, ?) > 0)');
    values.push(filter.search, filter.search);
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  values.push(filter.limit ?? -1);
  const sql = `${sqlStatements.selectRun.replace('WHERE r.id = ?', where)} ORDER BY r.created_at DESC, r.id DESC LIMIT ?`;
  return { sql, values };
}
