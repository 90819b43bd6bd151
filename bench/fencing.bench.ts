import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Store, type WorkflowDefinition } from '../src/core/index.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { chain, fanOut } from './dag-workloads.js';

const steps = 2000;
const repeats = 5;

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
