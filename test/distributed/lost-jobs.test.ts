import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatonWorker,
  createDistributedRuns,
  createWorker,
  type DistributedRuns,
  type JobOutcome,
  type StepJob,
} from '../../src/distributed/index.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { dropSchema, dropTestStore, openTestStore, postgresUrl } from '../store/postgres-fixture.js';
import { createDistributedWorkflow, queueSchemaFor } from './distributed-fixture.js';

/**
 * What keeps a run going when its job is gone or breaks: a worker that completes a job late (it
 * was frozen past its lease) deletes it by id even if it was delivered again meanwhile, and a job
 * that throws would wait e^n seconds in the queue after its n-th delivery.
 */
const leaseMs = 600;
let store: PostgresStore;
let queueSchema: string;
let runs: DistributedRuns;
const workers: BatonWorker[] = [];
const executions: string[] = [];
const outcomes: Array<{ job: StepJob; outcome: JobOutcome }> = [];
const definition = createDistributedWorkflow((path, runId) => executions.push(`${runId}:${path}`));

beforeAll(async () => {
  store = await openTestStore(import.meta.filename);
  queueSchema = queueSchemaFor(store.schema);
  runs = await createDistributedRuns({ store, connectionString: postgresUrl, queueSchema });
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await dropTestStore(store);
  await dropSchema(queueSchema);
});

async function startWorker(workerStore: PostgresStore = store, workflow = definition): Promise<void> {
  workers.push(
    await createWorker({
      store: workerStore,
      connectionString: postgresUrl,
      queueSchema,
      workflows: [workflow],
      pollIntervalMs: 100,
      leaseMs,
      onJob: (job, outcome) => outcomes.push({ job, outcome }),
    }),
  );
}

async function settle(runId: string) {
  const waiting = await runs.settled(runId, { signal: AbortSignal.timeout(50_000) });
  expect(waiting.status).toBe('waiting');
  await runs.decide(runId, 'review', { action: 'approve', by: 'ops' });
  return runs.settled(runId, { signal: AbortSignal.timeout(50_000) });
}

describe('a distributed run whose job is lost or breaks', () => {
  it('is dispatched again by a worker when it is left running with no job', async () => {
    const { runId } = await runs.start(definition, { input: { base: 2 } });
    // The first step's job is completed by id, as a worker that lost it would, before any worker ran it.
    const { rows } = await store.pool.query(
      `SELECT ${queueSchema}.complete_jobs(array_agg(id)) FROM ${queueSchema}.jobs WHERE key LIKE $1`,
      [`${runId}:%`],
    );
    expect(rows).toHaveLength(1);
    const { rowCount } = await store.pool.query(`SELECT 1 FROM ${queueSchema}.jobs WHERE key LIKE $1`, [
      `${runId}:%`,
    ]);
    expect(rowCount).toBe(0);
    await startWorker();
    const ended = await settle(runId);
    expect(ended.status).toBe('succeeded');
    // Each step ran once: the repair only dispatched what had no job.
    const mine = executions.filter((entry) => entry.startsWith(`${runId}:`));
    expect(mine).toHaveLength(new Set(mine).size);
    expect(mine).toContain(`${runId}:seed`);
  }, 60_000);

  it('leaves a run that has its jobs alone', async () => {
    const { runId } = await runs.start(definition, { input: { base: 3 } });
    const ended = await settle(runId);
    expect(ended.status).toBe('succeeded');
    const mine = executions.filter((entry) => entry.startsWith(`${runId}:`));
    expect(mine).toHaveLength(new Set(mine).size);
  }, 60_000);

  it('puts a job that broke on a journal error back within two leases, and the run goes on', async () => {
    let broken = false;
    const flaky = Object.assign(Object.create(store) as PostgresStore, {
      listAttempts: (...args: Parameters<PostgresStore['listAttempts']>) => {
        if (!broken && args[1] === 'chain1') {
          broken = true;
          return Promise.reject(new Error('connection reset by the database'));
        }
        return store.listAttempts(...args);
      },
    });
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await startWorker(flaky);
    const { runId } = await runs.start(definition, { input: { base: 4 } });
    const ended = await settle(runId);
    expect(ended.status).toBe('succeeded');
    const failed = outcomes.find((entry) => entry.job.run === runId && entry.outcome.kind === 'failed');
    expect(failed?.job.path).toBe('chain1');
    const outcome = failed?.outcome;
    expect(outcome?.kind === 'failed' && outcome.error.message).toContain('connection reset');
    expect(outcome?.kind === 'failed' && outcome.retryInMs).toBeLessThanOrEqual(2 * leaseMs);
    expect(executions.filter((entry) => entry === `${runId}:chain1`)).toHaveLength(1);
  }, 60_000);

  it('does not complete a job that was handed to another worker while it ran', async () => {
    const jobKey = (runId: string) => `${runId}:chain1:1`;
    // While chain1 runs (longer than half a lease), its job is taken for a dead worker's and
    // locked by another one, as the heartbeat's reclaim and a second delivery would do.
    const stealing = createDistributedWorkflow(
      (path, runId) => {
        executions.push(`${runId}:${path}`);
        if (path !== 'chain1') return;
        void store.pool.query(
          `UPDATE ${queueSchema}._private_jobs SET locked_by = 'another-worker', locked_at = now() + interval '1 hour'
           WHERE key = $1`,
          [jobKey(runId)],
        );
      },
      (path) => (path === 'chain1' ? leaseMs : 0),
    );
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await startWorker(store, stealing);
    const { runId } = await runs.start(definition, { input: { base: 5 } });
    await expect
      .poll(() => outcomes.some((entry) => entry.job.run === runId && entry.job.path === 'chain1'))
      .toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { rows } = await store.pool.query(`SELECT locked_by FROM ${queueSchema}.jobs WHERE key = $1`, [
      jobKey(runId),
    ]);
    expect(rows).toEqual([{ locked_by: 'another-worker' }]);
    // Let go by the other worker, the job is delivered again and finds the step done.
    await store.pool.query(
      `UPDATE ${queueSchema}._private_jobs SET locked_by = NULL, locked_at = NULL WHERE key = $1`,
      [jobKey(runId)],
    );
    const ended = await settle(runId);
    expect(ended.status).toBe('succeeded');
    expect(executions.filter((entry) => entry === `${runId}:chain1`)).toHaveLength(1);
  }, 60_000);

  it('puts back the job of a step whose lease ran out under it, so the step is not left without one', async () => {
    // The lease of chain1 ends while it runs and is taken by a process that then dies: this
    // worker's commit is refused, and nobody else holds a delivery of the step.
    const expiring = createDistributedWorkflow(
      (path, runId) => {
        executions.push(`${runId}:${path}`);
        if (path !== 'chain1' || executions.includes(`${runId}:chain1:lost`)) return;
        executions.push(`${runId}:chain1:lost`);
        void store.pool.query(
          `UPDATE leases SET owner = 'a-dead-worker', epoch = epoch + 1, until = 0 WHERE run_id = $1`,
          [`${runId}#chain1`],
        );
      },
      (path) => (path === 'chain1' ? 100 : 0),
    );
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await startWorker(store, expiring);
    const { runId } = await runs.start(definition, { input: { base: 6 } });
    const ended = await settle(runId);
    expect(ended.status).toBe('succeeded');
    // (A duplicate delivery, which a loaded machine's late heartbeat can cause, is skipped.)
    const chain1 = outcomes.filter(
      (entry) => entry.job.run === runId && entry.job.path === 'chain1' && entry.outcome.kind !== 'skipped',
    );
    // The same attempt's job came back at once (not a repair's next attempt, a lease later).
    expect(chain1.map((entry) => [entry.outcome.kind, entry.job.attempt])).toEqual([
      ['refused', 1],
      ['committed', 1],
    ]);
  }, 60_000);

  it("journals a long attempt's start while it runs, and a quick one's start with its end", async () => {
    const slow = createDistributedWorkflow(
      (path, runId) => executions.push(`${runId}:${path}`),
      (path) => (path === 'chain1' ? 1500 : 0),
    );
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await startWorker(store, slow);
    const { runId } = await runs.start(definition, { input: { base: 7 } });
    await expect
      .poll(async () => (await store.listSteps(runId)).find((step) => step.path === 'chain1')?.status, {
        timeout: 20_000,
      })
      .toBe('running');
    expect((await store.listAttempts(runId, 'chain1')).map((attempt) => attempt.status)).toEqual(['running']);
    expect(await settle(runId)).toMatchObject({ status: 'succeeded' });
    for (const path of ['seed', 'chain1', 'fan1']) {
      const [attempt] = await store.listAttempts(runId, path);
      expect(attempt).toMatchObject({ attempt: 1, status: 'succeeded' });
      expect(attempt?.startedAt).toBeLessThanOrEqual(attempt?.endedAt as number);
    }
  }, 60_000);
});
