import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { Logger, type Runner, run as runQueue, type Task, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import {
  BatonError,
  type ConcurrencyGate,
  createEngine,
  type EngineOptions,
  type EventListener,
  hashWorkflow,
  type RunRecord,
  toBatonError,
  type WorkflowDefinition,
} from '../core/index.js';
import { quoteIdentifier } from '../store/postgres/postgres-migrations.js';
import { postgresSql } from '../store/postgres/postgres-statements.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';
import { commitStep, type DistributedContext, jobRunSql } from './commit-step.js';
import { type JobOutcome, putBack, runStepJob } from './run-step-job.js';
import { postgresRateBudget, SharedConcurrencyGate } from './shared-limits.js';
import { defaultQueue, runChannel, type StepJob, taskOf } from './step-queue.js';

export interface WorkerOptions extends Omit<EngineOptions, 'store' | 'workflows' | 'owner'> {
  /** The journal (`createPostgresStore`); the queue lives in the same database. */
  store: PostgresStore;
  /** The database the queue connects to: the store's connection string. */
  connectionString: string;
  /**
   * The workflows (name and version) this worker runs. The queue hands it only the steps of runs
   * pinned to one of these versions; steps of other versions wait for a worker that has them.
   */
  workflows: readonly WorkflowDefinition[];
  /** Step attempts run at once. Default 4. */
  concurrency?: number;
  /** The queues taken from (`baton run --queue`). Default `['default']`. */
  queues?: readonly string[];
  /** The graphile-worker schema. Default `graphile_worker`. */
  queueSchema?: string;
  /** Connections of the queue's own pool. Default 4. */
  queueConnections?: number;
  /** How often the queue is polled for jobs that became due (new jobs arrive by NOTIFY). Default 1000 ms. */
  pollIntervalMs?: number;
  /**
   * How long a running attempt may take to finish after `stop()` before it is aborted and handed
   * back to the queue. Default 5000 ms.
   */
  shutdownGraceMs?: number;
  /** This worker's name in leases and health. Default `host:pid:random`. */
  id?: string;
  onEvent?: EventListener;
  /**
   * Hold the workflows' named `limits` across all workers of the journal (a slot in the database
   * per step). Default true; false keeps each worker to its own count.
   */
  sharedLimits?: boolean;
  /** Told what became of each job: committed, skipped as a duplicate, put back, or refused. */
  onJob?: (job: StepJob, outcome: JobOutcome) => void;
}

/** What `baton worker` reports, and `health()` returns. */
export interface WorkerHealth {
  id: string;
  state: 'running' | 'stopping' | 'stopped';
  startedAt: number;
  /** A worker not seen for this long is taken for stopped: its jobs go back to the queue. */
  leaseMs: number;
  concurrency: number;
  queues: string[];
  workflows: Array<{ name: string; hash: string }>;
  /** Attempts running now. */
  running: number;
  /** Jobs committed, skipped as duplicates or superseded, put back, refused (lease lost), failed. */
  committed: number;
  skipped: number;
  deferred: number;
  refused: number;
  failed: number;
}

export interface BatonWorker {
  readonly id: string;
  health(): WorkerHealth;
  /** Stops taking jobs, lets running attempts finish (or hands them back after the grace), and leaves. */
  stop(): Promise<void>;
}

/**
 * Starts a worker: it takes step jobs of the workflows it has from the queue, runs each attempt
 * with the engine, and commits it with the jobs of the steps it made ready. It also keeps a
 * heartbeat, hands the jobs of workers that stopped heartbeating back to the queue, and follows
 * cancels and ends of runs by LISTEN/NOTIFY.
 *
 * @example
 * ```ts
 * const store = await createPostgresStore({ connectionString });
 * const worker = await createWorker({ store, connectionString, workflows: [definition], models });
 * process.on('SIGTERM', () => void worker.stop());
 * ```
 */
export async function createWorker(options: WorkerOptions): Promise<BatonWorker> {
  const { store } = options;
  const id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const leaseMs = options.leaseMs ?? 15_000;
  const queueSchema = options.queueSchema ?? 'graphile_worker';
  const queues = [...(options.queues ?? [defaultQueue])];
  const concurrency = options.concurrency ?? 4;
  const byHash = new Map(
    options.workflows.map((definition) => [hashWorkflow(definition.workflow), definition]),
  );
  const engine = createEngine({
    ...options,
    workflows: Object.fromEntries(
      options.workflows.map((definition) => [definition.workflow.name, definition]),
    ),
    owner: id,
    leaseMs,
  });
  if (options.sharedLimits !== false) {
    const budget = postgresRateBudget(store, options.clock ? { clock: options.clock } : {});
    const gates = new Map<string, ConcurrencyGate>();
    engine.services.namedGate = (name, limit) => {
      const configured =
        (options.limits && Object.hasOwn(options.limits, name) ? options.limits[name] : undefined) ?? limit;
      if (configured === undefined) return undefined;
      let gate = gates.get(name);
      if (!gate) {
        gate = new SharedConcurrencyGate(configured, name, budget, options.clock);
        gates.set(name, gate);
      }
      return gate;
    };
  }
  const context: DistributedContext = {
    store,
    services: engine.services,
    queueSchema,
    definitionOf: (run: RunRecord) =>
      byHash.get(run.workflowHash) ?? { workflow: run.definition, functions: {} },
  };
  const health: WorkerHealth = {
    id,
    state: 'running',
    startedAt: Date.now(),
    leaseMs,
    concurrency,
    queues,
    workflows: [...byHash].map(([hash, definition]) => ({ name: definition.workflow.name, hash })),
    running: 0,
    committed: 0,
    skipped: 0,
    deferred: 0,
    refused: 0,
    failed: 0,
  };
  // The attempts running here by run, so a cancel reaches them.
  const active = new Map<string, Set<AbortController>>();
  const runningHere = new Set<string>();
  const taskList: Record<string, Task> = {};
  for (const queue of queues) {
    for (const hash of byHash.keys()) {
      const target = { schema: queueSchema, queue, workflowHash: hash };
      taskList[taskOf(queue, hash)] = async (payload, helpers) => {
        const job = payload as StepJob;
        // A second delivery of an attempt this worker is running: the step's lease is ours
        // already, so only this check tells it apart from a take-over.
        const stepKey = `${job.run}#${job.path}#${job.attempt}`;
        if (runningHere.has(stepKey)) {
          health.skipped++;
          options.onJob?.(job, { kind: 'skipped', reason: 'running in this worker' });
          return;
        }
        runningHere.add(stepKey);
        const startedAt = performance.now();
        const controller = new AbortController();
        const stopping = () => controller.abort(new Error('The worker is stopping.'));
        helpers.abortSignal.addEventListener('abort', stopping, { once: true });
        const running = active.get(job.run) ?? new Set();
        running.add(controller);
        active.set(job.run, running);
        health.running++;
        try {
          const outcome = await runStepJob(job, {
            context,
            queue: target,
            signal: controller.signal,
            onEvent: options.onEvent,
          });
          health[outcome.kind]++;
          options.onJob?.(job, outcome);
        } catch (error) {
          health.failed++;
          // Put back by the worker rather than failed to the queue: the queue would wait e^n
          // seconds after the n-th delivery (minutes, once kills have delivered a job a few times).
          // The journal decides again what is left to do when it comes back.
          const waitMs = Math.min(2 * leaseMs, 100 * 2 ** Math.min(helpers.job.attempts, 16));
          await putBack(store, target, job, engine.services.clock.now() + waitMs);
          options.onJob?.(job, {
            kind: 'failed',
            error: toBatonError(error, 'STEP_FAILED'),
            retryInMs: waitMs,
          });
        } finally {
          runningHere.delete(stepKey);
          health.running--;
          running.delete(controller);
          if (running.size === 0) active.delete(job.run);
          helpers.abortSignal.removeEventListener('abort', stopping);
        }
        // A job locked for a lease while this worker seemed dead was handed to the queue again:
        // completing it now would delete it by its id, and with it the delivery that another
        // worker may still need. Failing it leaves it alone (the queue fails only its own locks).
        if (performance.now() - startedAt >= leaseMs / 2 && !(await holdsLock(helpers.job))) {
          throw new Error(`Job ${helpers.job.id} was handed to another worker; it is left to it.`);
        }
      };
    }
  }
  const holdsLock = async (job: { id: string; locked_by: string | null }) => {
    const { rowCount } = await store.pool.query(
      `SELECT 1 FROM ${quoteIdentifier(queueSchema)}.jobs WHERE id = $1 AND locked_by = $2`,
      [job.id, job.locked_by],
    );
    return rowCount === 1;
  };
  const queueIds = new Set<string>();
  const events: WorkerEvents = new EventEmitter();
  events.on('worker:create', ({ worker }) => queueIds.add(worker.workerId));
  const listener = await follow(options.connectionString, store.schema, (runId) => {
    for (const controller of active.get(runId) ?? []) {
      controller.abort(
        new BatonError('RUN_CANCELLED', `Run ${runId} was cancelled or ended in another process.`, {
          hint: `Resume it with \`baton resume ${runId}\`.`,
        }),
      );
    }
  });
  // Heartbeats and step lease renewals go through connections of their own: waiting for a pool
  // busy with steps could make this worker look dead to the others, or let a live step's lease
  // run out.
  const liveness = new pg.Pool({
    connectionString: options.connectionString,
    max: 1,
    options: `-c search_path=${quoteIdentifier(store.schema)}`,
  });
  liveness.on('error', () => {});
  engine.services.store = Object.assign(Object.create(store) as PostgresStore, {
    claimRun: async (key: string, owner: string, until: number, now: number) =>
      (await liveness.query<{ epoch: number }>(postgresSql.claimLease, [key, owner, until, now])).rows[0]
        ?.epoch,
  });
  // Fetching, completing and the LISTEN for new jobs; the steps' own writes use the store's pool.
  // Its commits skip the wait for the disk: one lost in a database crash only hands a job out
  // again (locked) or back (completed), and the journal tells what is left to do. The jobs a step
  // makes ready are added in the step's own commit, which waits for the disk.
  const queuePool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.queueConnections ?? 4,
    options: '-c synchronous_commit=off',
  });
  // A lost connection is the queue's to retry; graphile-worker asks for both handlers.
  queuePool.on('error', () => {});
  queuePool.on('connect', (client) => client.on('error', () => {}));
  let runner: Runner;
  try {
    runner = await runQueue({
      pgPool: queuePool,
      schema: queueSchema,
      concurrency,
      taskList,
      events,
      noHandleSignals: true,
      pollInterval: options.pollIntervalMs ?? 1000,
      gracefulShutdownAbortTimeout: options.shutdownGraceMs ?? 5000,
      logger: quietLogger,
    });
  } catch (error) {
    await queuePool.end();
    await listener.end();
    await liveness.end();
    throw error;
  }
  const beat = async () => {
    await liveness.query(
      `INSERT INTO workers (id, queue_worker_ids, workflows, queues, concurrency, started_at, seen_at, stats)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET queue_worker_ids = excluded.queue_worker_ids, seen_at = excluded.seen_at,
         stats = excluded.stats`,
      [
        id,
        JSON.stringify([...queueIds]),
        JSON.stringify(health.workflows),
        JSON.stringify(queues),
        concurrency,
        health.startedAt,
        Date.now(),
        JSON.stringify(health),
      ],
    );
    await reclaimJobs(liveness, queueSchema, leaseMs);
  };
  await beat();
  let beating: Promise<void> | undefined;
  const heartbeat = setInterval(
    () => {
      // A beat the database could not take is tried at the next one.
      beating ??= beat()
        .catch(() => {})
        .finally(() => {
          beating = undefined;
        });
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  // Not on the heartbeat's connection: a slow look over every running run must not delay a lease
  // renewal behind it.
  let repairing: Promise<void> | undefined;
  const repairs = setInterval(() => {
    repairing ??= repairRuns(store.pool, context, leaseMs)
      .catch(() => {})
      .finally(() => {
        repairing = undefined;
      });
  }, leaseMs);
  let stopped: Promise<void> | undefined;
  return {
    id,
    health: () => ({ ...health }),
    stop() {
      stopped ??= (async () => {
        health.state = 'stopping';
        await runner.stop();
        clearInterval(heartbeat);
        clearInterval(repairs);
        await repairing;
        await beating;
        await listener.end().catch(() => {});
        await liveness.end().catch(() => {});
        await queuePool.end().catch(() => {});
        await store.pool.query('DELETE FROM workers WHERE id = $1', [id]).catch(() => {});
        health.state = 'stopped';
      })();
      return stopped;
    },
  };
}

/**
 * Hands back the jobs of workers that stopped: graphile-worker keeps a job locked for hours after
 * its worker died, so a job locked longer than a lease by a worker without a recent heartbeat is
 * unlocked and delivered again (its step's lease has run out by then, so the next attempt takes
 * over and the dead worker's late writes are refused).
 */
async function reclaimJobs(client: pg.Pool, queueSchema: string, leaseMs: number): Promise<void> {
  const schema = quoteIdentifier(queueSchema);
  const { rows } = await client.query<{ locked_by: string }>(
    `SELECT DISTINCT j.locked_by FROM ${schema}.jobs j
     WHERE j.locked_by IS NOT NULL AND j.task_identifier LIKE 'baton:%'
       AND j.locked_at < now() - $1 * interval '1 millisecond'
       AND NOT EXISTS (
         SELECT 1 FROM workers w WHERE w.seen_at > $2 AND w.queue_worker_ids::jsonb ? j.locked_by)`,
    [leaseMs, Date.now() - leaseMs],
  );
  if (rows.length === 0) return;
  await client.query(`SELECT ${schema}.force_unlock_workers($1::text[])`, [rows.map((row) => row.locked_by)]);
  await client.query('DELETE FROM workers WHERE seen_at < $1', [Date.now() - 10 * leaseMs]);
}

/**
 * Dispatches again the unfinished steps of running runs that have no job at all. Every commit adds
 * the jobs of the steps it leaves to run in its own transaction, so a running run always has one;
 * none means a job was lost (the queue deletes a completed job by its id, so a worker that was
 * frozen past its lease and completes the job late can delete a delivery that was still needed).
 */
async function repairRuns(client: pg.Pool, context: DistributedContext, leaseMs: number): Promise<void> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT r.id FROM runs r JOIN run_queues q ON q.run_id = r.id
     WHERE r.status = 'running' AND r.created_at < $1
       AND NOT EXISTS (SELECT 1 FROM ${quoteIdentifier(context.queueSchema)}.jobs j WHERE ${jobRunSql} = r.id)
     LIMIT 100`,
    [context.services.clock.now() - leaseMs],
  );
  for (const { id } of rows) await commitStep(context, { runId: id, writes: [], dispatch: [], repair: true });
}

/** LISTENs for runs that were cancelled or ended, on a connection of its own. */
async function follow(
  connectionString: string,
  schema: string,
  onRun: (runId: string) => void,
): Promise<pg.Client> {
  const client = new pg.Client({ connectionString });
  // A lost connection only slows cancels down to the lease renewal's check; it must not crash the worker.
  client.on('error', () => {});
  client.on('notification', (message) => {
    if (message.payload) onRun(message.payload);
  });
  await client.connect();
  await client.query(`LISTEN ${quoteIdentifier(runChannel(schema))}`);
  return client;
}

// The queue's own messages (polling, job errors) are not the worker's output; job errors are counted in health.
const quietLogger = new Logger(() => () => {});
