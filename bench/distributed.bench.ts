import pg from 'pg';
import type { WorkflowDefinition } from '../src/core/index.js';
import { type BatonWorker, createDistributedRuns, createWorker } from '../src/distributed/index.js';
import { PostgresStore } from '../src/store/postgres/index.js';
import { chain, fanOut, randomDag } from './dag-workloads.js';

const url = process.env.BATON_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Setup {
  schema: string;
  queueSchema: string;
  stores: PostgresStore[];
  workers: BatonWorker[];
}

/**
 * Workers on the PostgreSQL journal and graphile-worker, each with its own connections (in this
 * process: on a machine with few cores, separate processes would mostly compete for the same ones).
 * `record` is told which worker ran which step, and when.
 */
async function startWorkers(
  count: number,
  definitions: (worker: number) => WorkflowDefinition[],
  concurrency: number,
  tag: string,
): Promise<Setup> {
  const schema = `baton_bench_dist_${process.pid}_${tag}`;
  const setup: Setup = { schema, queueSchema: `${schema}_queue`, stores: [], workers: [] };
  for (let index = 0; index < count; index++) {
    const store = await PostgresStore.open({ connectionString: url, schema, maxConnections: 6 });
    setup.stores.push(store);
    setup.workers.push(
      await createWorker({
        store,
        connectionString: url,
        queueSchema: setup.queueSchema,
        workflows: definitions(index),
        concurrency,
      }),
    );
  }
  return setup;
}

async function stop(setup: Setup): Promise<void> {
  await Promise.all(setup.workers.map((worker) => worker.stop()));
  await Promise.all(setup.stores.map((store) => store.close()));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${setup.schema}" CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS "${setup.queueSchema}" CASCADE`);
  await client.end();
}

/** Starts runs and waits for them all to end; resolves with the wall time in ms. */
async function runAll(setup: Setup, definition: WorkflowDefinition, count: number): Promise<number> {
  const store = setup.stores[0] as PostgresStore;
  const runs = await createDistributedRuns({ store, connectionString: url, queueSchema: setup.queueSchema });
  const started = performance.now();
  const ids: string[] = [];
  for (let index = 0; index < count; index++) ids.push((await runs.start(definition, { input: {} })).runId);
  for (const runId of ids) {
    const run = await runs.settled(runId, { pollMs: 20 });
    if (run.status !== 'succeeded') throw new Error(`bench run ${run.status}: ${run.error?.message}`);
  }
  return performance.now() - started;
}

/**
 * What one committed write costs on this server, waiting for the disk and not: a hand-off between
 * dependent steps waits for two (the step's commit and the next step's lease), so this bounds it
 * from below.
 */
async function commitFlush(): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const table = `baton_bench_flush_${process.pid}`;
  try {
    await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int)`);
    await client.query(`INSERT INTO ${table} VALUES (1, 0)`);
    const figures: string[] = [];
    for (const mode of ['on', 'off']) {
      await client.query(`SET synchronous_commit = ${mode}`);
      const started = performance.now();
      for (let index = 0; index < 100; index++)
        await client.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`);
      figures.push(`${((performance.now() - started) / 100).toFixed(2)} ms with synchronous_commit=${mode}`);
    }
    console.log(`one committed single-row update on this server: ${figures.join(', ')}`);
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  }
}

// Every statement this process sends, counted at the client: the round trips a step costs.
let queries = 0;
const send = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queries++;
  return (send as (...parameters: unknown[]) => unknown).apply(this, args);
} as typeof send;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Distributed execution: steps per second with 1, 2 and 4 workers; the hand-off latency between
 * dependent steps run by different workers (from one step's end to the next one's start, both as
 * the steps saw them); and makespan over critical path of the 48-step random DAG on 4 workers.
 */
export default async function distributedBench(): Promise<void> {
  await commitFlush();
  const workload = fanOut(48);
  const runCount = 10;
  for (const count of [1, 2, 4]) {
    const setup = await startWorkers(count, () => [workload], 8, `tp${count}`);
    try {
      await runAll(setup, workload, 2);
      const ms = await runAll(setup, workload, runCount);
      const steps = runCount * workload.workflow.steps.length;
      console.log(
        `${count} worker(s): ${steps} steps in ${ms.toFixed(0)} ms, ${((steps / ms) * 1000).toFixed(0)} steps/s`,
      );
    } finally {
      await stop(setup);
    }
  }

  // Hand-off: chains of quick steps on two workers that run one step at a time.
  const length = 60;
  const seen: Array<{ run: string; index: number; worker: number; start: number; end: number }> = [];
  const traced = (worker: number): WorkflowDefinition => ({
    workflow: chain(length).workflow,
    functions: {
      // Step i of the chain sees the outputs of the i steps before it.
      value: (scope: { steps: Record<string, unknown>; run: { id: string } }) => {
        const now = performance.now();
        seen.push({
          run: scope.run.id,
          index: Object.keys(scope.steps).length,
          worker,
          start: now,
          end: now,
        });
        return 1;
      },
    },
  });
  const handoff = await startWorkers(2, (worker) => [traced(worker)], 1, 'handoff');
  try {
    await runAll(handoff, traced(0), 1);
    seen.length = 0;
    queries = 0;
    await runAll(handoff, traced(0), 3);
    console.log(
      `statements sent per chain step (both workers and the polling client, heartbeats included): ${(queries / (3 * length)).toFixed(1)}`,
    );
  } finally {
    await stop(handoff);
  }
  const gaps: number[] = [];
  let sameWorker = 0;
  const byRun = new Map<string, typeof seen>();
  for (const entry of seen) byRun.set(entry.run, [...(byRun.get(entry.run) ?? []), entry]);
  for (const entries of byRun.values()) {
    entries.sort((a, b) => a.index - b.index);
    for (let index = 1; index < entries.length; index++) {
      const previous = entries[index - 1];
      const next = entries[index];
      if (!previous || !next) continue;
      if (next.worker === previous.worker) sameWorker++;
      else gaps.push(next.start - previous.end);
    }
  }
  console.log(
    `hand-off between dependent steps on different workers: p50 ${percentile(gaps, 50).toFixed(1)} ms, p95 ${percentile(gaps, 95).toFixed(1)} ms over ${gaps.length} hand-offs (${sameWorker} stayed on one worker; goal p50 <= 5 ms)`,
  );

  // Makespan of the random DAG across 4 workers.
  const graph = randomDag(48, 7, 20, 400);
  const dag = await startWorkers(4, () => [graph.definition], 8, 'dag');
  try {
    await runAll(dag, graph.definition, 1);
    const makespan = await runAll(dag, graph.definition, 1);
    console.log(
      `random DAG of 48 steps (20-400 ms, seed 7) on 4 workers: makespan ${makespan.toFixed(0)} ms, ideal (critical path) ${graph.idealMs} ms, ratio ${(makespan / graph.idealMs).toFixed(3)} (goal <= 1.02)`,
    );
  } finally {
    await stop(dag);
  }
}
