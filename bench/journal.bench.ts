import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowDefinition } from '../src/core/index.js';
import type { SqliteStoreOptions } from '../src/store/sqlite/index.js';
import { chain, fanOut } from './dag-workloads.js';
import { baton, load, perUnit, spread, timeRun } from './measure.js';

const steps = 2000;

/**
 * A run on the SQLite journal a user gets (`createSqliteStore` with its defaults, and with
 * `synchronous: 'full'`), each on a new file in a temp directory and a fresh engine with the
 * default options: time per step, and bytes of database per step.
 */
export default async function journalBench(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'baton-journal-bench-'));
  let files = 0;
  let bytes = 0;
  const onSqlite = async (definition: WorkflowDefinition, options: SqliteStoreOptions) => {
    const path = join(directory, `run-${files++}.db`);
    const store = baton.createSqliteStore({ path, ...options });
    const elapsed = await timeRun(definition, store);
    await store.close();
    bytes = statSync(path).size;
    return elapsed;
  };
  try {
    for (const [name, definition] of [
      ['chain', chain(steps)],
      ['fan-out', fanOut(steps)],
    ] as const) {
      const count = definition.workflow.steps.length;
      for (const [mode, repeats] of [
        ['normal', 11],
        ['full', 5],
      ] as const) {
        const sqlite = await spread(repeats, () => onSqlite(definition, { synchronous: mode }));
        console.log(
          `${steps}-step ${name}, SQLite journal (synchronous ${mode}${mode === 'normal' ? ', the default' : ''}), ` +
            `default options, ${repeats - 1} runs: ${perUnit(sqlite, count)} (goal <= 30 wall-clock; ` +
            `first run ${(sqlite.first.wall / count).toFixed(1)}); database ${(bytes / count).toFixed(0)} bytes/step (${load()})`,
        );
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
