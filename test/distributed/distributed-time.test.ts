import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatonError, type Step, type WorkflowDefinition } from '../../src/core/index.js';
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
import { queueSchemaFor } from './distributed-fixture.js';

let store: PostgresStore;
let queueSchema: string;
let runs: DistributedRuns;
const started: BatonWorker[] = [];

beforeAll(async () => {
  store = await openTestStore(import.meta.filename);
  queueSchema = queueSchemaFor(store.schema);
  runs = await createDistributedRuns({ store, connectionString: postgresUrl, queueSchema });
});

afterAll(async () => {
  await Promise.all(started.map((worker) => worker.stop()));
  await dropTestStore(store);
  await dropSchema(queueSchema);
});

async function startWorker(
  definition: WorkflowDefinition,
  onJob?: (job: StepJob, outcome: JobOutcome) => void,
): Promise<BatonWorker> {
  const worker = await createWorker({
    store,
    connectionString: postgresUrl,
    queueSchema,
    workflows: [definition],
    pollIntervalMs: 100,
    queueConnections: 2,
    leaseMs: 1500,
    random: () => 0.5,
    ...(onJob ? { onJob } : {}),
  });
  started.push(worker);
  return worker;
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for the condition.');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function workflow(
  name: string,
  steps: Step[],
  functions: WorkflowDefinition['functions'] = {},
): WorkflowDefinition {
  return { workflow: { name, steps }, functions };
}

describe('time without a process', () => {
  it('runs a retry after its backoff from a scheduled job, with no process alive in between', async () => {
    const failures = new Set<string>();
    const definition = workflow(
      'retry-later',
      [
        {
          id: 'flaky',
          kind: 'transform',
          value: { function: 'flaky' },
          retry: { maxAttempts: 3, initialDelayMs: 1500, retryOn: 'all' },
        },
      ],
      {
        flaky: async ({ run }: { run: { id: string } }) => {
          if (!failures.has(run.id)) {
            failures.add(run.id);
            throw new BatonError('MODEL_CALL_FAILED', 'The provider is busy.', { retryable: true });
          }
          return 'done';
        },
      },
    );
    const first = await startWorker(definition);
    const { runId } = await runs.start(definition);
    await until(async () => (await store.listAttempts(runId, 'flaky')).some((a) => a.status === 'failed'));
    await first.stop();
    // Nothing runs the step now; the retry waits as a job in the database.
    const { jobs } = await runs.overview();
    expect(jobs.filter((job) => job.run === runId)).toContainEqual(
      expect.objectContaining({ path: 'flaky', attempt: 2, runnable: false }),
    );
    expect((await store.getRun(runId))?.status).toBe('running');
    await new Promise((resolve) => setTimeout(resolve, 1800));
    await startWorker(definition);
    const ended = await runs.settled(runId);
    expect(ended.status).toBe('succeeded');
    const [failed, succeeded] = await store.listAttempts(runId, 'flaky');
    expect(failed?.status).toBe('failed');
    expect(succeeded).toMatchObject({ attempt: 2, status: 'succeeded' });
    expect((succeeded?.startedAt ?? 0) - (failed?.endedAt ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('expires an approval with every worker stopped in between', async () => {
    const definition = workflow('expiring', [
      { id: 'ask', kind: 'approval', subject: { plan: 'ship' }, expires: '1s', onExpiry: 'approve' },
    ]);
    const first = await startWorker(definition);
    const { runId } = await runs.start(definition);
    expect((await runs.settled(runId)).status).toBe('waiting');
    await first.stop();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await startWorker(definition);
    await until(async () => (await store.getRun(runId))?.status !== 'waiting');
    const ended = await runs.settled(runId);
    expect(ended.status).toBe('succeeded');
    expect(ended.output).toMatchObject({ ask: { plan: 'ship' } });
    const calls = await store.listSubCalls(runId, 'ask');
    expect(calls.find((call) => call.kind === 'approval-decision')?.response).toMatchObject({ by: 'baton' });
  });

  it('retries a step that overran its timeout, and a cancel reaches the worker running a step within a second', async () => {
    const overran = new Set<string>();
    const definition = workflow(
      'slow',
      [
        {
          id: 'slow',
          kind: 'transform',
          value: { function: 'slow' },
          timeout: '300ms',
          retry: { maxAttempts: 2, initialDelayMs: 10 },
        },
      ],
      {
        slow: async ({ run, input }: { run: { id: string }; input: { hang?: boolean } }) => {
          if (input.hang || !overran.has(run.id)) {
            overran.add(run.id);
            await new Promise((resolve) => setTimeout(resolve, input.hang ? 10_000 : 1000));
          }
          return 'in time';
        },
      },
    );
    const outcomes: Array<{ job: StepJob; outcome: JobOutcome; at: number }> = [];
    await startWorker(definition, (job, outcome) => outcomes.push({ job, outcome, at: Date.now() }));
    const timed = await runs.start(definition);
    const ended = await runs.settled(timed.runId);
    expect(ended.status).toBe('succeeded');
    expect((await store.listAttempts(timed.runId, 'slow')).map((a) => a.error?.code ?? a.status)).toEqual([
      'STEP_TIMEOUT',
      'succeeded',
    ]);

    const hung = await runs.start(definition, { input: { hang: true } });
    await until(async () => (await store.listAttempts(hung.runId, 'slow')).length > 0);
    const cancelledAt = Date.now();
    expect(await runs.cancel(hung.runId)).toBe('marked');
    await until(async () => outcomes.some((entry) => entry.job.run === hung.runId));
    const reached = outcomes.find((entry) => entry.job.run === hung.runId);
    expect((reached?.at ?? 0) - cancelledAt).toBeLessThan(1000);
    expect((await store.getRun(hung.runId))?.status).toBe('cancelled');
    const [attempt] = await store.listAttempts(hung.runId, 'slow');
    expect(attempt?.status).toBe('interrupted');
  });

  it('keeps a step of a workflow version no worker has waiting, visibly, until a worker that has it starts', async () => {
    const v1 = workflow('versioned', [{ id: 'only', kind: 'transform', value: "'one'" }]);
    const v2 = workflow('versioned', [{ id: 'only', kind: 'transform', value: "'two'" }]);
    await startWorker(v1);
    const { runId } = await runs.start(v2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await store.getRun(runId))?.status).toBe('running');
    const { jobs } = await runs.overview();
    expect(jobs.find((job) => job.run === runId)).toMatchObject({ path: 'only', runnable: false });
    await startWorker(v2);
    const ended = await runs.settled(runId);
    expect(ended).toMatchObject({ status: 'succeeded', output: { only: 'two' } });
  });
});

describe('workflow limits across workers', () => {
  it('runs at most `limits.name` steps under that name at once, on all workers together', async () => {
    let running = 0;
    let most = 0;
    const slow = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 150));
      running--;
      return 'done';
    };
    const steps: Step[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({
      id,
      kind: 'transform',
      value: { function: 'slow' },
      limit: 'vendor',
    }));
    const definition: WorkflowDefinition = {
      workflow: { name: 'limited', steps, limits: { vendor: 2 } },
      functions: { slow },
    };
    // Three workers, each of which alone would run all six at once.
    for (let index = 0; index < 3; index++) await startWorker(definition);
    const { runId } = await runs.start(definition);
    expect((await runs.settled(runId)).status).toBe('succeeded');
    expect(most).toBe(2);
  });
});
