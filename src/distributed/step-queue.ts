import type pg from 'pg';
import { quoteIdentifier } from '../store/postgres/postgres-migrations.js';

/** One delivery: run one attempt of one top-level step instance of a run. */
export interface StepJob {
  run: string;
  path: string;
  attempt: number;
}

/**
 * How a job is added when one with its key exists: `dedupe` leaves the existing one (a step made
 * ready twice runs once), `replace` moves it to the new time (an approval decided before its
 * expiry job ran wakes the step now).
 */
export type JobMode = 'dedupe' | 'replace';

export interface Dispatch {
  path: string;
  attempt: number;
  /** Epoch ms; now when undefined. */
  runAt?: number;
  mode: JobMode;
}

/** Where the queue lives and which workers may take a run's jobs. */
export interface QueueTarget {
  /** The graphile-worker schema. */
  schema: string;
  /** The run's queue name (`default` unless the run was started on another). */
  queue: string;
  workflowHash: string;
}

export const defaultQueue = 'default';

/**
 * The graphile-worker task of a queue and a workflow version: a worker registers the tasks of the
 * versions it has loaded, so the queue only hands it steps it can run, and a step of a version no
 * worker has stays queued, visibly, until one that has it starts.
 */
export function taskOf(queue: string, workflowHash: string): string {
  return `baton:${queue}:${workflowHash}`;
}

/** The queue and version a task names; undefined for a task that is not Baton's. */
export function parseTask(task: string): { queue: string; workflowHash: string } | undefined {
  const match = /^baton:(.+):([0-9a-f]{64})$/.exec(task);
  return match ? { queue: match[1] as string, workflowHash: match[2] as string } : undefined;
}

/** Run, step and attempt: a second delivery of the same attempt finds the first's job. */
export function jobKey(job: StepJob): string {
  return `${job.run}:${job.path}:${job.attempt}`;
}

/**
 * Adds step jobs in the caller's transaction, so they commit (or not) with the journal writes; in
 * one statement, so a fan-out's jobs cost one round trip.
 */
export async function addStepJobs(
  client: pg.ClientBase,
  target: QueueTarget,
  runId: string,
  dispatches: readonly Dispatch[],
): Promise<void> {
  if (dispatches.length === 0) return;
  const now = Date.now();
  const jobs = dispatches.map((dispatch) => {
    const job: StepJob = { run: runId, path: dispatch.path, attempt: dispatch.attempt };
    return {
      payload: job,
      runAt: new Date(dispatch.runAt ?? now).toISOString(),
      key: jobKey(job),
      mode: dispatch.mode === 'dedupe' ? 'unsafe_dedupe' : 'replace',
    };
  });
  // ORDER BY ordinality: the jobs are added in the order given, as separate calls would.
  await client.query(
    `SELECT ${quoteIdentifier(target.schema)}.add_job($1, j.value->'payload', run_at => (j.value->>'runAt')::timestamptz,
       max_attempts => 1000, job_key => j.value->>'key', job_key_mode => j.value->>'mode')
     FROM json_array_elements($2::json) WITH ORDINALITY AS j(value, ordinality) ORDER BY j.ordinality`,
    [taskOf(target.queue, target.workflowHash), JSON.stringify(jobs)],
  );
}

/** The NOTIFY channel on which a run's end or cancel reaches the workers running its steps. */
export function runChannel(schema: string): string {
  return `baton_runs_${schema}`.slice(0, 63);
}

/** The lease a worker holds on one step instance while it runs it. */
export function stepLeaseKey(runId: string, path: string): string {
  return `${runId}#${path}`;
}
