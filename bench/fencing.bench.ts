import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Store, type WorkflowDefinition } from '../src/core/index.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { chain, fanOut } from './dag-workloads.js';

const steps = 2000;
const repeats = 7;

/**
 * The store with fencing left out: the same SQLite journal and lease, but its writes carry no
 * epoch, so the store checks none. The difference to the plain store is what fencing costs.
 */
function unfenced(store: SqliteStore): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'writeStep')
        return (step: unknown, attempt: unknown) => target.writeStep(step as never, attempt as never);
      if (property === 'writeSubCall') return (call: unknown) => target.writeSubCall(call as never);
      if (property === 'updateRun')
        return (id: string, patch: unknown) => target.updateRun(id, patch as never);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The check alone, at the store: µs per `writeStep` with and without an epoch, awaited one by one
 * (a chain) and all in one tick (a fan-out, one group commit), medians of alternating rounds.
 */
async function storeWrites(directory: string): Promise<void> {
  const writes = 4000;
  const round = async (fenced: boolean, together: boolean, index: number) => {
    const store = new SqliteStore(join(directory, `writes-${fenced}-${together}-${index}.db`));
    const epoch = (await store.claimRun('run_bench', 'bench', Number.MAX_SAFE_INTEGER, 0)) ?? 0;
    const fence = fenced ? epoch : undefined;
    const step = (path: string) =>
      ({
        runId: 'run_bench',
        path,
        stepId: path,
        kind: 'transform',
        status: 'succeeded',
        attempt: 1,
        output: path,
      }) as const;
    const started = process.hrtime.bigint();
    if (together)
      await Promise.all(
        Array.from({ length: writes }, (_, at) => store.writeStep(step(`s${at}`), undefined, fence)),
      );
    else for (let at = 0; at < writes; at++) await store.writeStep(step(`s${at}`), undefined, fence);
    const elapsed = Number(process.hrtime.bigint() - started) / 1000 / writes;
    await store.close();
    return elapsed;
  };
  for (const together of [false, true]) {
    const times = { fenced: [] as number[], unfenced: [] as number[] };
    for (let index = 0; index < repeats; index++) {
      times.unfenced.push(await round(false, together, index));
      times.fenced.push(await round(true, together, index));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    console.log(
      `${writes} step writes ${together ? 'in one tick' : 'one at a time'}: ${median(times.unfenced).toFixed(2)} us/write ` +
        `without a fence, ${median(times.fenced).toFixed(2)} us/write fenced`,
    );
  }
}

async function timeRun(definition: WorkflowDefinition, store: Store): Promise<number> {
  const engine = createEngine({ store, concurrency: 4096 });
  const started = process.hrtime.bigint();
  const result = await engine.run(definition);
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error?.message}`);
  return elapsed;
}

/**
 * What fencing adds to a run on the SQLite journal: every step write checks the run's lease
 * epoch in the transaction that commits it. Runs alternate between the two stores, each on a new
 * file, and the medians are compared.
 */
export default async function fencingBench(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'baton-fencing-bench-'));
  let files = 0;
  const once = async (definition: WorkflowDefinition, fenced: boolean) => {
    const store = new SqliteStore(join(directory, `run-${files++}.db`));
    try {
      return await timeRun(definition, fenced ? store : unfenced(store));
    } finally {
      await store.close();
    }
  };
  try {
    await storeWrites(directory);
    for (const [name, definition] of [
      ['chain', chain(steps)],
      ['fan-out', fanOut(steps)],
    ] as const) {
      const count = definition.workflow.steps.length;
      const times = { fenced: [] as number[], unfenced: [] as number[] };
      await once(definition, true);
      for (let index = 0; index < repeats; index++) {
        times.unfenced.push(await once(definition, false));
        times.fenced.push(await once(definition, true));
      }
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
      const without = median(times.unfenced) / count;
      const withFence = median(times.fenced) / count;
      console.log(
        `${steps}-step ${name} on SQLite: ${without.toFixed(1)} us/step without fencing, ` +
          `${withFence.toFixed(1)} us/step fenced (${(withFence - without).toFixed(1)} us/step for the epoch check)`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
