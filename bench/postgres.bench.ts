import pg from 'pg';
import { createEngine, type Store, type WorkflowDefinition } from '../src/core/index.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import { PostgresStore } from '../src/store/postgres/index.js';
import { chain, fanOut } from './dag-workloads.js';

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
 * What the PostgreSQL journal adds to a run in one process, on the local server: time per step
 * over the memory store, at the engine's default concurrency. Each run gets a schema of its own.
 */
export default async function postgresBench(): Promise<void> {
  const schemas: string[] = [];
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
  try {
    for (const [name, definition] of [
      ['chain', chain(steps)],
      ['fan-out', fanOut(steps)],
    ] as const) {
      const count = definition.workflow.steps.length;
      const memory = await median(() => timeRun(definition, new MemoryStore()));
      const postgres = await median(() => onPostgres(definition));
      console.log(
        `${steps}-step ${name}: PostgreSQL journal overhead ${((postgres - memory) / count).toFixed(0)} us/step; ` +
          `memory ${(memory / count).toFixed(1)} us/step, PostgreSQL ${(postgres / count).toFixed(0)} us/step`,
      );
    }
  } finally {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}
