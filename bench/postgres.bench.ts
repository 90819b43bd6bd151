import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createEngine, type Store, type WorkflowDefinition } from '../src/core/index.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import { PostgresStore } from '../src/store/postgres/index.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import { chain, fanOut, randomDag } from './dag-workloads.js';

const url = process.env.BATON_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const steps = 500;
const repeats = 3;

async function timeRun(definition: WorkflowDefinition, store: Store): Promise<number> {
  const engine = createEngine({ store });
  const started = process.hrtime.bigint();
  const result = await engine.run(definition);
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error?.message}`);
  return elapsed;
}

async function median(work: () => Promise<number>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let index = 0; index < repeats; index++) times.push(await work());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/**
 * The PostgreSQL journal in one process against the SQLite journal, on the local server, each
 * store opened with its defaults and a fresh engine: time per step of a chain and a fan-out (and
 * what the journal adds over the memory store), and the random 48-step DAG's makespan over its
 * critical path (the distributed bench runs the same DAG on 4 workers).
 */
export default async function postgresBench(): Promise<void> {
  const schemas: string[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'baton-postgres-bench-'));
  const onPostgres = async (definition: WorkflowDefinition) => {
    const schema = `baton_bench_${process.pid}_${schemas.length}`;
    schemas.push(schema);
    const store = await PostgresStore.open({ connectionString: url, schema });
    try {
      return await timeRun(definition, store);
    } finally {
      await store.close();
    }
  };
  const onSqlite = async (definition: WorkflowDefinition) => {
    const store = createSqliteStore({ path: join(directory, `run-${schemas.length}-${Date.now()}.db`) });
    try {
      return await timeRun(definition, store);
    } finally {
      await store.close();
    }
  };
  try {
    for (const [name, definition] of [
      ['chain', chain(steps)],
      ['fan-out', fanOut(steps)],
    ] as const) {
      const count = definition.workflow.steps.length;
      const memory = await median(() => timeRun(definition, new MemoryStore()));
      const postgres = await median(() => onPostgres(definition));
      const sqlite = await median(() => onSqlite(definition));
      console.log(
        `${steps}-step ${name}, one process: PostgreSQL ${(postgres / count).toFixed(0)} us/step ` +
          `(${(1e6 / (postgres / count)).toFixed(0)} steps/s, journal overhead ${((postgres - memory) / count).toFixed(0)} us/step); ` +
          `SQLite ${(sqlite / count).toFixed(0)} us/step (${(1e6 / (sqlite / count)).toFixed(0)} steps/s); memory ${(memory / count).toFixed(1)} us/step`,
      );
    }
    const graph = randomDag(48, 7, 20, 400);
    const postgres = await median(() => onPostgres(graph.definition));
    const sqlite = await median(() => onSqlite(graph.definition));
    console.log(
      `random DAG of 48 steps (20-400 ms, seed 7), one process: makespan / critical path ${(postgres / 1000 / graph.idealMs).toFixed(3)} on PostgreSQL, ` +
        `${(sqlite / 1000 / graph.idealMs).toFixed(3)} on SQLite (ideal ${graph.idealMs} ms)`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}
