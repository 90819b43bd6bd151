import type pg from 'pg';
import {
  type AttemptRecord,
  BatonError,
  type BatonEvent,
  isLiveEvent,
  leaseLost,
  type RunRecord,
  type RunStatus,
  type StepRecord,
  serializeError,
  toBatonError,
  type Usage,
  type WorkflowDefinition,
} from '../core/index.js';
import { reusable } from '../core/runner/resume-run.js';
import type { EngineServices, GraphResult, RunState } from '../core/runner/run-state.js';
import { runOutput } from '../core/runner/run-workflow.js';
import { eventsChannel } from '../store/postgres/postgres-event-follower.js';
import { quoteIdentifier } from '../store/postgres/postgres-migrations.js';
import { batchUpsertSql, postgresSql as sql } from '../store/postgres/postgres-statements.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';
import {
  attemptParameters,
  type RunRow,
  type StepRow,
  stepParameters,
  toRunRecord,
  toStepRecord,
} from '../store/shared/journal-rows.js';
import { storeValue } from '../store/shared/stored-value.js';
import { runGraphPass } from './graph-pass.js';
import { addStepJobs, type Dispatch, defaultQueue, runChannel } from './step-queue.js';

/** What the distributed pieces share: the journal, an engine's services, and the queue's schema. */
export interface DistributedContext {
  store: PostgresStore;
  services: EngineServices;
  queueSchema: string;
  /** The definition a run continues with: a loaded one of its hash (with its functions), else its snapshot. */
  definitionOf(run: RunRecord): WorkflowDefinition;
}

export interface StepWrite {
  step: StepRecord;
  attempt?: AttemptRecord | undefined;
}

/** One commit of a run's progress. */
export interface Commit {
  runId: string;
  /** The finished attempt's records, held back by the worker so they land with what follows from them. */
  writes: readonly StepWrite[];
  /** The step lease the writes were made under; the commit is refused if another holder took it. */
  lease?: { key: string; fence: number; owner: string };
  /** Jobs to add besides those of the steps that became ready (a retry, an approval's expiry). */
  dispatch: readonly Dispatch[];
  /** Resume: failed and unfinished steps run again, and the run is running again. */
  resume?: boolean;
  /** A decision or a resume: a waiting or cancelled run is running again. */
  reopen?: boolean;
  /**
   * A repair of a running run found with no job: its unfinished steps are dispatched again. Done
   * only if the run still has no job once it is locked (a commit in flight may have added some).
   */
  repair?: boolean;
  /** The run's record as its committer read it: what the frontier needs of it never changes. */
  run?: RunRecord;
  /** The attempt's events, journaled here with the run's next seqs (the commit orders a run's writers). */
  events?: readonly BatonEvent[];
}

export interface CommitResult {
  status: RunStatus;
  dispatched: Dispatch[];
}

const noLease: RunState['lease'] = {
  fence: undefined,
  lost: undefined,
  confirm: () => undefined,
  release: async () => {},
};

/**
 * Commits a run's progress in one transaction: the step's records (compare-and-set on its lease
 * epoch), the skips and jobs of the steps its end made ready, and the run's new status. The ready
 * frontier is computed by the engine's own graph executor over the journal, with every step that
 * has not ended left to its job, under a lock on the run row so two steps ending at once cannot
 * both miss the step that needs them both.
 */
export async function commitStep(context: DistributedContext, commit: Commit): Promise<CommitResult> {
  // All or nothing, so a transaction the database chose as a deadlock's victim is simply made again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await commitOnce(context, commit);
    } catch (error) {
      const code = BatonError.is(error) ? error.details?.postgresCode : undefined;
      if (attempt >= 5 || (code !== '40P01' && code !== '40001')) throw error;
    }
  }
}

function commitOnce(context: DistributedContext, commit: Commit): Promise<CommitResult> {
  const { store } = context;
  return store.inTransaction('commit a step', async (client) => {
    if (commit.lease) {
      // The check and the release in one write, which locks the lease's row first: a share lock,
      // upgraded later, would deadlock with a fenced write of the journal that also holds one.
      // Released with the commit, or not at all.
      const released = await client.query(
        'UPDATE leases SET until = 0 WHERE run_id = $1 AND owner = $2 AND epoch = $3',
        [commit.lease.key, commit.lease.owner, commit.lease.fence],
      );
      if (released.rowCount !== 1) {
        const { rows } = await client.query<{ epoch: number }>('SELECT epoch FROM leases WHERE run_id = $1', [
          commit.lease.key,
        ]);
        throw leaseLost(commit.runId, commit.lease.fence, rows[0]?.epoch);
      }
    }
    const locked = await client.query<{ status: RunStatus; queue: string | null; workflow_hash: string }>(
      `SELECT r.status, r.workflow_hash, q.queue FROM runs r LEFT JOIN run_queues q ON q.run_id = r.id
       WHERE r.id = $1 FOR UPDATE OF r`,
      [commit.runId],
    );
    const head = locked.rows[0];
    if (!head) {
      throw new BatonError('RUN_NOT_FOUND', `No run with id "${commit.runId}" in this journal.`, {
        hint: 'List runs with `baton runs`; check the connection string and schema.',
      });
    }
    if (
      commit.repair &&
      (head.status !== 'running' || (await hasJobs(client, context.queueSchema, commit.runId)))
    ) {
      return { status: head.status, dispatched: [] };
    }
    await writeSteps(client, commit.writes);
    const events = [...(commit.events ?? [])];
    let status = head.status;
    if (commit.reopen && status !== 'succeeded') {
      await client.query('UPDATE runs SET status = $2, ended_at = NULL, error = NULL WHERE id = $1', [
        commit.runId,
        'running',
      ]);
      status = 'running';
    }
    // A cancelled or ended run keeps its step's record and takes nothing more.
    if (status !== 'running' && status !== 'waiting') {
      await appendEvents(client, store.schema, commit.runId, events);
      return { status, dispatched: [] };
    }
    const record = commit.run ?? (await readRun(store, client, commit.runId));
    const steps = await readSteps(store, client, commit.runId);
    const next = await frontier(context, record, steps, commit);
    await writeSteps(client, next.skips);
    await addStepJobs(
      client,
      { schema: context.queueSchema, queue: head.queue ?? defaultQueue, workflowHash: head.workflow_hash },
      commit.runId,
      next.dispatch,
    );
    const now = context.services.clock.now();
    const usage = await updateRun(client, commit.runId, next, steps, now);
    events.push(...next.events);
    if (next.status !== 'running' && next.status !== 'waiting') {
      events.push({
        type: 'run-end',
        runId: commit.runId,
        status: next.status,
        time: now,
        durationMs: now - record.createdAt,
        ...usage,
        ...(next.error ? { error: next.error } : {}),
      });
    }
    await appendEvents(client, store.schema, commit.runId, events);
    if (next.status !== 'running' && next.status !== 'waiting') {
      await client.query('SELECT pg_notify($1, $2)', [runChannel(store.schema), commit.runId]);
    }
    return { status: next.status, dispatched: next.dispatch };
  });
}

interface Next {
  status: RunStatus;
  /** What the frontier's pass told (skips). */
  events: BatonEvent[];
  output?: unknown;
  error?: ReturnType<typeof serializeError>;
  skips: StepWrite[];
  dispatch: Dispatch[];
}

/** What the journal makes of the run now: its status, and the steps that have become ready. */
async function frontier(
  context: DistributedContext,
  record: RunRecord,
  steps: readonly StepRecord[],
  commit: Commit,
): Promise<Next> {
  const { services } = context;
  const definition = context.definitionOf(record);
  const replay = new Map<string, StepRecord>();
  for (const step of steps) if (!commit.resume || reusable(step)) replay.set(step.path, step);
  const deferred: string[] = [];
  const skips: StepWrite[] = [];
  const events: BatonEvent[] = [];
  const controller = new AbortController();
  const pass = await runGraphPass({
    record,
    definition,
    services,
    replay,
    signal: controller.signal,
    emit: keepJournaled(events),
    lease: noLease,
    journal: {
      writeStep: async (step, attempt) => {
        skips.push({ step, attempt });
      },
      writeSubCall: async () => {},
    },
    runsHere: (path) => {
      const status = replay.get(path)?.status;
      if (status === 'succeeded' || status === 'failed') return true;
      deferred.push(path);
      return false;
    },
    deferRetries: false,
  });
  const { scope } = pass;
  let graph: GraphResult;
  try {
    graph = await pass.graph;
  } catch (thrown) {
    const failure = toBatonError(thrown, 'STEP_FAILED');
    const status = failure.code === 'RUN_CANCELLED' ? 'cancelled' : 'failed';
    return { status, error: serializeError(failure), skips, events, dispatch: [...commit.dispatch] };
  }
  if (!graph.waiting) {
    const output = await runOutput(services, definition, scope, graph.outputs, controller.signal);
    return { status: 'succeeded', output, skips, events, dispatch: [...commit.dispatch] };
  }
  const byPath = new Map(steps.map((step) => [step.path, step]));
  const dispatch = [...commit.dispatch];
  const explicit = new Set(dispatch.map((entry) => entry.path));
  for (const path of deferred) {
    if (explicit.has(path)) continue;
    const journaled = byPath.get(path);
    if (!journaled) dispatch.push({ path, attempt: 1, mode: 'dedupe' });
    else if (commit.resume || commit.repair) {
      dispatch.push({ path, attempt: journaled.attempt + 1, mode: 'replace' });
    }
  }
  const now = services.clock.now();
  // Waiting: every step that has not ended waits on a person, and nothing is due to run now.
  const onPeople =
    deferred.every((path) => byPath.get(path)?.status === 'waiting') &&
    dispatch.every((entry) => (entry.runAt ?? now) > now);
  return { status: onPeople ? 'waiting' : 'running', skips, events, dispatch };
}

/** The run ids of the jobs queued for Baton's steps: a job's key is `run:path:attempt`. */
export const jobRunSql = "regexp_replace(j.key, ':[^:]+:[0-9]+$', '')";

async function hasJobs(client: pg.PoolClient, queueSchema: string, runId: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM ${quoteIdentifier(queueSchema)}.jobs j WHERE ${jobRunSql} = $1 LIMIT 1`,
    [runId],
  );
  return (rowCount ?? 0) > 0;
}

/** Writes step and attempt records in one statement each; of two writes of one record, the later wins. */
async function writeSteps(client: pg.PoolClient, writes: readonly StepWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const blobs: Array<[string, string]> = [];
  const steps = new Map<string, unknown>();
  const attempts = new Map<string, unknown>();
  for (const { step, attempt } of writes) {
    steps.set(
      step.path,
      stepParameters(step, (hash, body) => blobs.push([hash, body])),
    );
    if (attempt) attempts.set(`${attempt.path}#${attempt.attempt}`, attemptParameters(attempt));
  }
  if (blobs.length > 0) {
    await client.query(sql.insertBlobs, [blobs.map(([hash]) => hash), blobs.map(([, body]) => body)]);
  }
  await client.query(batchUpsertSql('steps'), [JSON.stringify([...steps.values()])]);
  if (attempts.size > 0)
    await client.query(batchUpsertSql('attempts'), [JSON.stringify([...attempts.values()])]);
}

async function updateRun(
  client: pg.PoolClient,
  runId: string,
  next: Next,
  steps: readonly StepRecord[],
  now: number,
): Promise<{ usage: Usage; costUsd: number }> {
  const usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  let costUsd = 0;
  for (const step of steps) {
    usage.inputTokens += step.usage?.inputTokens ?? 0;
    usage.outputTokens += step.usage?.outputTokens ?? 0;
    usage.cachedInputTokens += step.usage?.cachedInputTokens ?? 0;
    costUsd += step.costUsd ?? 0;
  }
  const ended = next.status !== 'running' && next.status !== 'waiting';
  const blobs: Array<[string, string]> = [];
  const [output, outputBlob] = storeValue(next.output, (hash, body) => blobs.push([hash, body]));
  if (blobs.length > 0) {
    await client.query(sql.insertBlobs, [blobs.map(([hash]) => hash), blobs.map(([, body]) => body)]);
  }
  await client.query(
    `UPDATE runs SET status = $2, ended_at = $3, output = $4, output_blob = $5, error = $6, usage = $7,
       cost_usd = $8 WHERE id = $1`,
    [
      runId,
      next.status,
      ended ? now : null,
      output,
      outputBlob,
      next.error ? JSON.stringify(next.error) : null,
      JSON.stringify(usage),
      costUsd,
    ],
  );
  return { usage, costUsd };
}

/**
 * An emit that keeps the events to journal: not the live-only deltas, and not the `step-end` a
 * pass repeats for every step it reuses from the journal.
 */
export function keepJournaled(into: BatonEvent[]): (event: BatonEvent) => void {
  return (event) => {
    if (isLiveEvent(event) || (event.type === 'step-end' && event.replayed)) return;
    into.push(event);
  };
}

/**
 * Journals a run's events with the seqs after its last, and wakes its followers in other
 * processes, in one statement. The caller holds the run's row lock, which every writer of a
 * distributed run's events takes, so the last seq cannot move meanwhile.
 */
export async function appendEvents(
  client: pg.PoolClient,
  schema: string,
  runId: string,
  events: readonly BatonEvent[],
): Promise<void> {
  if (events.length === 0) return;
  // Each body is the event's JSON with its seq added as the last member (a pass's events have none).
  await client.query(
    `WITH last AS (SELECT coalesce(max(seq), 0) AS seq FROM events WHERE run_id = $1),
     added AS (
       INSERT INTO events (run_id, seq, type, body)
       SELECT $1, last.seq + e.ordinality, e.value->>0,
         left(e.value->>1, -1) || ',"seq":' || (last.seq + e.ordinality) || '}'
       FROM last, json_array_elements($2::json) WITH ORDINALITY AS e(value, ordinality)
       RETURNING 1)
     SELECT pg_notify($3, $4)`,
    [
      runId,
      JSON.stringify(events.map((event) => [event.type, JSON.stringify(event)])),
      eventsChannel,
      `${schema}:${runId}`,
    ],
  );
}

async function readRun(store: PostgresStore, client: pg.PoolClient, runId: string): Promise<RunRecord> {
  const { rows } = await client.query<RunRow>(sql.selectRun, [runId]);
  const row = rows[0] as RunRow;
  return toRunRecord(row, await store.blobsFor(client, [row]));
}

/** @internal The run's step instances, read in the caller's transaction. */
export async function readSteps(
  store: PostgresStore,
  client: pg.PoolClient,
  runId: string,
): Promise<StepRecord[]> {
  const { rows } = await client.query<StepRow>(sql.selectSteps, [runId]);
  const getBlob = await store.blobsFor(client, rows);
  return rows.map((row) => toStepRecord(row, getBlob));
}
