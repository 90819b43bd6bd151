import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Store, type WorkflowDefinition } from '../src/core/index.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { chain, fanOut } from './dag-workloads.js';

const steps = 2000;
const repeats = 5;

/** Microseconds one run takes on a fresh store; `inspect` sees the store after the run. */
async function timeRun(definition: WorkflowDefinition, store: Store): Promise<number> {
  const engine = createEngine({ store, concurrency: 4096 });
  const started = process.hrtime.bigint();
  const result = await engine.run(definition);
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error?.message}`);
  return elapsed;
}

/** The median of `repeats` runs, each on a new store, after one run to warm up. */
async function median(work: () => Promise<number>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let index = 0; index < repeats; index++) times.push(await work());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/**
 * What the SQLite journal adds to a run: time per step over the memory store, and bytes of
 * database per step. Each SQLite run gets a new file in a temp directory.
 */
export default async function journalBench(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'baton-journal-bench-'));
  let files = 0;
  const onSqlite = async (definition: WorkflowDefinition) => {
    const path = join(directory, `run-${files++}.db`);
    const store = new SqliteStore(path);
    const elapsed = await timeRun(definition, store);
    await store.close();
    return { elapsed, bytes: statSync(path).size };
  };
  try {
    for (const [name, definition] of [
      ['chain', chain(steps)],
      ['fan-out', fanOut(steps)],
    ] as const) {
      const count = definition.workflow.steps.length;
      const memory = await median(() => timeRun(definition, new MemoryStore()));
      const sqlite = await median(async () => (await onSqlite(definition)).elapsed);
      const { bytes } = await onSqlite(definition);
      console.log(
        `${steps}-step ${name}: journal overhead ${((sqlite - memory) / count).toFixed(1)} us/step (goal <= 60); ` +
          `memory ${(memory / count).toFixed(1)} us/step, SQLite ${(sqlite / count).toFixed(1)} us/step; ` +
          `database ${(bytes / count).toFixed(0)} bytes/step (${(bytes / 1024).toFixed(0)} KiB in all)`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
