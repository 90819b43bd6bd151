import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step, WorkflowDefinition } from '../../src/core/index.js';
import {
  type BatonWorker,
  createDistributedRuns,
  createWorker,
  type DistributedRuns,
  sharedRateLimiters,
} from '../../src/distributed/index.js';
import { createModelRegistry, RateLimiterPool } from '../../src/models/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { startRateLimitedServer } from '../models/fixture-server.js';
import { dropSchema, dropTestStore, openTestStore, postgresUrl } from '../store/postgres-fixture.js';
import { queueSchemaFor } from './distributed-fixture.js';

// Time scaled down 3 times: the provider's "minute" is 20 s, and it takes 60 requests in it.
const windowMs = 20_000;
const limit = 60;
const runCount = 20;

let store: PostgresStore;
let queueSchema: string;
let runs: DistributedRuns;

beforeAll(async () => {
  store = await openTestStore(import.meta.filename);
  queueSchema = queueSchemaFor(store.schema);
  runs = await createDistributedRuns({ store, connectionString: postgresUrl, queueSchema });
});

afterAll(async () => {
  await dropTestStore(store);
  await dropSchema(queueSchema);
});

// Six model calls at once in every run, none answered from the cache.
const steps: Step[] = Array.from({ length: 6 }, (_, index) => ({
  id: `ask${index}`,
  kind: 'llm',
  model: 'openai:gpt-4o-mini',
  prompt: `Question ${index} of {{ input.n }}?`,
  cache: false,
}));
const definition: WorkflowDefinition = { workflow: { name: 'many-calls', steps }, functions: {} };

/** 8 workers, each with its own model registry and rate limiters, against one limited server. */
async function burst(shared: boolean) {
  const server = await startRateLimitedServer(limit, windowMs);
  const workers: BatonWorker[] = [];
  // Each worker with a journal connection of its own, as worker processes have.
  const stores: PostgresStore[] = [];
  try {
    for (let index = 0; index < 8; index++) {
      const own = await PostgresStore.open({
        connectionString: postgresUrl,
        schema: store.schema,
        maxConnections: 3,
      });
      stores.push(own);
      const models = createModelRegistry(
        {
          providers: {
            openai: {
              baseURL: `${server.url}/v1`,
              apiKey: 'sk-test',
              // No retries: every call must get through on its first attempt.
              retry: { maxRetries: 0 },
              // A request counts until a window after its answer (the server shares this event loop).
              rateLimit: { requestsPerMinute: limit, windowMs, sendAllowanceMs: windowMs },
            },
          },
        },
        { env: {}, rateLimiters: shared ? sharedRateLimiters(own) : new RateLimiterPool() },
      );
      workers.push(
        await createWorker({
          store: own,
          queueConnections: 2,
          connectionString: postgresUrl,
          queueSchema,
          workflows: [definition],
          models,
          concurrency: 4,
          pollIntervalMs: 100,
          onJob: (job, outcome) => {
            if (outcome.kind !== 'committed')
              console.info('JOB', JSON.stringify(job), JSON.stringify(outcome).slice(0, 300));
          },
        }),
      );
    }
    const ids: string[] = [];
    for (let n = 0; n < runCount; n++) ids.push((await runs.start(definition, { input: { n } })).runId);
    const ended = await Promise.all(ids.map((runId) => runs.settled(runId)));
    return { ended, stats: { ...server.stats }, arrivals: [...server.arrivals] };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all(stores.map((own) => own.close()));
    await server.close();
  }
}

describe('limits across workers', () => {
  it('keeps 8 workers together under a provider limit of 60 requests a minute: no 429, near the limit', async () => {
    const { ended, stats, arrivals } = await burst(true);
    expect(ended.filter((run) => run.status !== 'succeeded').map((run) => run.error)).toEqual([]);
    expect(stats).toEqual({ accepted: runCount * 6, rejected: 0 });
    // At the limit, request k can only go once request k - 60 has left the window: a window after
    // it. How close the gaps come to one window is the throughput relative to the limit (1 when a
    // freed slot is taken at once; the workers' own ramp-up does not count against it).
    const gaps = arrivals.slice(limit).map((at, index) => at - (arrivals[index] ?? 0));
    const throughput = windowMs / (gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length);
    // And never more than the limit in any window, as the server counts.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(windowMs);
    console.info(
      `shared limiter: ${arrivals.length} requests, throughput ${throughput.toFixed(3)} of the limit`,
    );
    expect(throughput).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('is what keeps the provider quiet: workers limiting each on its own draw 429s', async () => {
    const { ended, stats } = await burst(false);
    expect(stats.rejected).toBeGreaterThan(0);
    expect(ended.some((run) => run.status === 'failed')).toBe(true);
  }, 120_000);
});
