import { runMigrations } from 'graphile-worker';
import {
  BatonError,
  createEngine,
  type EngineOptions,
  hashWorkflow,
  type RunRecord,
  requireRun,
  type WorkflowDefinition,
} from '../core/index.js';
import { decideWaiting } from '../core/runner/decide-tool-call.js';
import { createRunRecord } from '../core/runner/run-workflow.js';
import { quoteIdentifier } from '../store/postgres/postgres-migrations.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';
import { type CommitResult, commitStep, type DistributedContext } from './commit-step.js';
import { defaultQueue, parseTask, runChannel } from './step-queue.js';
import type { WorkerHealth } from './worker.js';

export interface DistributedRunsOptions extends Omit<EngineOptions, 'store' | 'workflows'> {
  store: PostgresStore;
  /** The database of the queue: the store's connection string. */
  connectionString: string;
  /** The graphile-worker schema. Default `graphile_worker`. */
  queueSchema?: string;
  /** Definitions with TypeScript functions (their conditions and output mappings run here too). */
  workflows?: readonly WorkflowDefinition[];
  /**
   * The definition of a run's version when `workflows` and the starts of this process lack it:
   * a server looks it up among the files it serves now. Undefined: the journaled snapshot.
   */
  definitionFor?: (run: RunRecord) => WorkflowDefinition | undefined;
}

export interface StartOptions {
  input?: unknown;
  runId?: string;
  /** The queue its steps go to; only workers taking this queue run them. Default `default`. */
  queue?: string;
}

export type Decision =
  | { action: 'approve'; by?: string; comment?: string; edit?: unknown; call?: number }
  | { action: 'reject'; by?: string; reason: string; call?: number };

/** Runs executed by workers: started, decided, cancelled and resumed from any process, none of them running steps. */
export interface DistributedRuns {
  /** Journals the run and enqueues its first steps; resolves with its id at once. */
  start(definition: WorkflowDefinition, options?: StartOptions): Promise<{ runId: string }>;
  /** Records a decision on a waiting approval (or gated tool call) and enqueues its step. */
  decide(runId: string, path: string, decision: Decision): Promise<CommitResult>;
  /** Marks the run cancelled; workers running its steps stop them within a second (NOTIFY). */
  cancel(runId: string): Promise<'marked' | 'ended'>;
  /** Runs the failed, cancelled and unfinished steps of a run again on the workers. */
  resume(runId: string): Promise<CommitResult>;
  /** Resolves with the run once it is no longer running (succeeded, failed, cancelled or waiting). */
  settled(runId: string, options?: { signal?: AbortSignal; pollMs?: number }): Promise<RunRecord>;
  /** Whether the run was started for workers (rather than run in one process). */
  isDistributed(runId: string): Promise<boolean>;
  /** The workers seen lately and the step jobs queued, each saying whether a live worker can run it. */
  overview(): Promise<Overview>;
}

export interface Overview {
  workers: Array<WorkerHealth & { seenAt: number; live: boolean }>;
  jobs: QueuedJob[];
}

export interface QueuedJob {
  run: string;
  path: string;
  attempt: number;
  queue: string;
  workflowHash: string;
  runAt: number;
  /** The queue's worker running it now, if one is. */
  lockedBy?: string;
  /** Whether a live worker takes this queue and has this workflow version; a job no one can run waits. */
  runnable: boolean;
}

/**
 * The side of distributed execution that needs no worker: `baton run --detach`, `baton approve`,
 * `baton cancel` and `baton serve` use it against the same database as the workers.
 *
 * @example
 * ```ts
 * const runs = await createDistributedRuns({ store, connectionString });
 * const { runId } = await runs.start(definition, { input: { topic: 'tides' } });
 * const run = await runs.settled(runId);
 * ```
 */
export async function createDistributedRuns(options: DistributedRunsOptions): Promise<DistributedRuns> {
  const { store } = options;
  const queueSchema = options.queueSchema ?? 'graphile_worker';
  await runMigrations({ connectionString: options.connectionString, schema: queueSchema });
  const definitions = options.workflows ?? [];
  const byHash = new Map(definitions.map((definition) => [hashWorkflow(definition.workflow), definition]));
  const engine = createEngine({
    ...options,
    workflows: Object.fromEntries(definitions.map((definition) => [definition.workflow.name, definition])),
  });
  const { services } = engine;
  const context: DistributedContext = {
    store,
    services,
    queueSchema,
    definitionOf: (run) =>
      byHash.get(run.workflowHash) ??
      options.definitionFor?.(run) ?? { workflow: run.definition, functions: {} },
  };
  const topOf = (path: string) => path.split(/[/[]/)[0] as string;
  return {
    async start(definition, startOptions = {}) {
      const record = await createRunRecord(services, definition, startOptions);
      byHash.set(record.workflowHash, definition);
      await store.pool.query('INSERT INTO run_queues (run_id, queue) VALUES ($1, $2)', [
        record.id,
        startOptions.queue ?? defaultQueue,
      ]);
      const started = {
        type: 'run-start',
        runId: record.id,
        workflow: record.workflowName,
        time: record.createdAt,
      };
      await commitStep(context, {
        runId: record.id,
        writes: [],
        dispatch: [],
        events: [{ ...started, type: 'run-start', resumed: false }],
      });
      return { runId: record.id };
    },
    async decide(runId, path, decision) {
      const run = await requireRun(store, runId);
      const steps = await store.listSteps(runId);
      const top = steps.find((step) => step.path === topOf(path));
      await decideWaiting(services, runId, path, decision, context.definitionOf(run));
      // The step waiting on the decision runs again on a worker, which finds the decision.
      return commitStep(context, {
        runId,
        writes: [],
        reopen: true,
        dispatch: [{ path: topOf(path), attempt: (top?.attempt ?? 0) + 1, mode: 'replace' }],
      });
    },
    async cancel(runId) {
      const run = await requireRun(store, runId);
      if (run.status !== 'running' && run.status !== 'waiting') return 'ended';
      await store.inTransaction('cancel a run', async (client) => {
        await client.query('UPDATE runs SET status = $2, ended_at = $3 WHERE id = $1', [
          runId,
          'cancelled',
          services.clock.now(),
        ]);
        await client.query('SELECT pg_notify($1, $2)', [runChannel(store.schema), runId]);
      });
      return 'marked';
    },
    async resume(runId) {
      const run = await requireRun(store, runId);
      if (run.status === 'succeeded') {
        throw new BatonError('STORE_CONFLICT', `Run ${runId} has succeeded; there is nothing to resume.`, {
          hint: `Replay it from a step with \`baton replay ${runId} --from <step>\`.`,
        });
      }
      return commitStep(context, { runId, writes: [], dispatch: [], reopen: true, resume: true });
    },
    async settled(runId, settleOptions = {}) {
      for (;;) {
        const run = await requireRun(store, runId);
        if (run.status !== 'running') return run;
        settleOptions.signal?.throwIfAborted();
        await new Promise((resolve) => setTimeout(resolve, settleOptions.pollMs ?? 100));
      }
    },
    async overview() {
      const now = Date.now();
      const seen = await store.pool.query<{ stats: string; seen_at: number }>(
        'SELECT stats, seen_at FROM workers ORDER BY started_at',
      );
      const workers = seen.rows.map((row) => {
        const health = JSON.parse(row.stats) as WorkerHealth;
        return { ...health, seenAt: row.seen_at, live: row.seen_at > now - health.leaseMs };
      });
      const { rows } = await store.pool.query<{
        task_identifier: string;
        key: string | null;
        run_at: Date;
        locked_by: string | null;
      }>(
        `SELECT task_identifier, key, run_at, locked_by FROM ${quoteIdentifier(queueSchema)}.jobs
         WHERE task_identifier LIKE 'baton:%' ORDER BY run_at, id`,
      );
      const jobs: QueuedJob[] = [];
      for (const row of rows) {
        const task = parseTask(row.task_identifier);
        const key = row.key && /^(.+):([^:]+):(\d+)$/.exec(row.key);
        if (!task || !key) continue;
        const runnable = workers.some(
          (worker) =>
            worker.live &&
            worker.queues.includes(task.queue) &&
            worker.workflows.some((workflow) => workflow.hash === task.workflowHash),
        );
        jobs.push({
          run: key[1] as string,
          path: key[2] as string,
          attempt: Number(key[3]),
          ...task,
          runAt: row.run_at.getTime(),
          ...(row.locked_by ? { lockedBy: row.locked_by } : {}),
          runnable,
        });
      }
      return { workers, jobs };
    },
    async isDistributed(runId) {
      const { rowCount } = await store.pool.query('SELECT 1 FROM run_queues WHERE run_id = $1', [runId]);
      return rowCount === 1;
    },
  };
}
