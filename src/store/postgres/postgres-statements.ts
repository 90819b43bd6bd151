/**
 * The SQL of the PostgreSQL journal. Column order of the inserts matches the `*Parameters`
 * functions of `journal-rows.ts`, which SQLite shares.
 */
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
  upsertStep: `
    INSERT INTO steps (run_id, path, step_id, kind, status, attempt, started_at, ended_at, input, input_blob,
      output, output_blob, error, note, model, usage, cost_usd, output_size, cached, handled)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
    ON CONFLICT (run_id, path) DO UPDATE SET step_id = excluded.step_id, kind = excluded.kind,
      status = excluded.status, attempt = excluded.attempt, started_at = excluded.started_at,
      ended_at = excluded.ended_at, input = excluded.input, input_blob = excluded.input_blob,
      output = excluded.output, output_blob = excluded.output_blob, error = excluded.error, note = excluded.note,
      model = excluded.model, usage = excluded.usage, cost_usd = excluded.cost_usd,
      output_size = excluded.output_size, cached = excluded.cached, handled = excluded.handled`,
  // NULLS FIRST: instances without a start time come first, as in SQLite.
  selectSteps: `
    SELECT ${stepColumns} FROM steps s
    LEFT JOIN blobs i ON i.hash = s.input_blob
    LEFT JOIN blobs o ON o.hash = s.output_blob
    WHERE s.run_id = $1 ORDER BY s.started_at NULLS FIRST, s.path COLLATE "C"`,
  upsertAttempt: `
    INSERT INTO attempts (run_id, path, attempt, status, started_at, ended_at, error) VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (run_id, path, attempt) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
      ended_at = excluded.ended_at, error = excluded.error`,
  selectAttempts: 'SELECT * FROM attempts WHERE run_id = $1 ORDER BY path COLLATE "C", attempt',
  selectPathAttempts: 'SELECT * FROM attempts WHERE run_id = $1 AND path = $2 ORDER BY attempt',
  upsertSubCall: `
    INSERT INTO sub_calls (run_id, path, sequence, kind, name, request, request_blob, response, response_blob,
      created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (run_id, path, sequence) DO UPDATE SET kind = excluded.kind, name = excluded.name,
      request = excluded.request, request_blob = excluded.request_blob, response = excluded.response,
      response_blob = excluded.response_blob, created_at = excluded.created_at`,
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
  selectEpochForShare: 'SELECT epoch FROM leases WHERE run_id = $1 FOR SHARE',
  upsertWorkflowFile: `
    INSERT INTO workflow_files (workflow_hash, path, recorded_at) VALUES ($1, $2, $3)
    ON CONFLICT (workflow_hash) DO UPDATE SET path = excluded.path, recorded_at = excluded.recorded_at`,
  selectWorkflowFile: 'SELECT path FROM workflow_files WHERE workflow_hash = $1',
  upsertCache: `
    INSERT INTO cache (key, value, value_blob, model, usage, created_at) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, value_blob = excluded.value_blob,
      model = excluded.model, usage = excluded.usage, created_at = excluded.created_at`,
  selectCache: `
    SELECT c.*, v.body AS value_body FROM cache c
    LEFT JOIN blobs v ON v.hash = c.value_blob
    WHERE c.key = $1`,
} as const;
