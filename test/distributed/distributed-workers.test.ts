import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/index.js';
import {
  type BatonWorker,
  createDistributedRuns,
  createWorker,
  type DistributedRuns,
} from '../../src/distributed/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { dropSchema, dropTestStore, openTestStore, postgresUrl } from '../store/postgres-fixture.js';
import { createDistributedWorkflow, queueSchemaFor } from './distributed-fixture.js';

let store: PostgresStore;
let queueSchema: string;
let runs: DistributedRuns;
const workers: BatonWorker[] = [];
const executions: Array<{ worker: number; path: string; runId: string }> = [];

beforeAll(async () => {
  store = await openTestStore(import.meta.filename);
  queueSchema = queueSchemaFor(store.schema);
  runs = await createDistributedRuns({ store, connectionString: postgresUrl, queueSchema });
  for (const index of [0, 1]) {
    const definition = createDistributedWorkflow(
      (path, runId) => executions.push({ worker: index, path, runId }),
      () => 20,
    );
    workers.push(
      await createWorker({
        store,
        connectionString: postgresUrl,
        queueSchema,
        workflows: [definition],
        concurrency: 3,
        pollIntervalMs: 100,
        queueConnections: 2,
        leaseMs: 2000,
      }),
    );
  }
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await dropTestStore(store);
  await dropSchema(queueSchema);
});

/** The same workflow run in one process, approved the same way: what every distributed run must equal. */
async function uninterrupted(base: number) {
  const definition = createDistributedWorkflow(() => {});
  const engine = createEngine({ store: new MemoryStore(), workflows: { distributed: definition } });
  const waiting = await engine.run(definition, { input: { base } });
  expect(waiting.status).toBe('waiting');
  const result = await engine.approve(waiting.runId, 'review', { by: 'ops', comment: 'fine' });
  return result.output;
}

describe('distributed execution on graphile-worker', () => {
  it('runs a chain, a fan-out, a map and an approval decided from another process across two workers', async () => {
    const definition = createDistributedWorkflow(() => {});
    const { runId } = await runs.start(definition, { input: { base: 3 } });
    const waiting = await runs.settled(runId);
    expect(waiting.status).toBe('waiting');
    // The approval is decided through a client of its own, as `baton approve` or the API would.
    const other = await createDistributedRuns({ store, connectionString: postgresUrl, queueSchema });
    await other.decide(runId, 'review', { action: 'approve', by: 'ops', comment: 'fine' });
    const ended = await runs.settled(runId);
    expect(ended.status).toBe('succeeded');
    const expected = await uninterrupted(3);
    expect(stripTimes(ended.output)).toEqual(stripTimes(expected));
    const mine = executions.filter((entry) => entry.runId === runId);
    // Every step ran exactly once, and both workers took part.
    const paths = mine.map((entry) => entry.path).sort();
    expect(paths).toEqual([...new Set(paths)]);
    expect(paths).toHaveLength(12);
    expect(new Set(mine.map((entry) => entry.worker)).size).toBe(2);
    // The workers' events are journaled with gap-free seqs, from run-start to run-end.
    const events = await store.readEvents(runId);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]?.type).toBe('run-start');
    expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'succeeded' });
    const stepEnds = events.filter((event) => event.type === 'step-end').map((event) => event.path);
    expect(new Set(stepEnds)).toEqual(
      new Set([...paths, 'seed', 'each', 'review', 'last', 'chain1', 'chain2', 'join']),
    );
  });

  it('fails the run with the step that failed', async () => {
    const definition = createDistributedWorkflow(() => {});
    const { runId } = await runs.start(definition, { input: { base: -1 } });
    const ended = await runs.settled(runId);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ stepPath: 'chain2', message: expect.stringContaining('negative') });
  });
});

// The approval's decision carries the time it was made.
function stripTimes(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, entry) => (key === 'at' ? undefined : entry)));
}
