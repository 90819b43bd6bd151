import { loadavg } from 'node:os';
import { createEngine, type Store, type WorkflowDefinition } from '../src/core/index.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';

/** Microseconds one run takes on a fresh engine with default options (concurrency, gates). */
export async function timeRun(
  definition: WorkflowDefinition,
  store: Store = new MemoryStore(),
): Promise<number> {
  const engine = createEngine({ store });
  const started = process.hrtime.bigint();
  const result = await engine.run(definition);
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error?.message}`);
  return elapsed;
}

export interface Spread {
  median: number;
  best: number;
  first: number;
}

/** Runs `work` `times` times in a row; the first run (a cold process) is reported apart. */
export async function spread(times: number, work: () => Promise<number>): Promise<Spread> {
  const results: number[] = [];
  for (let index = 0; index < times; index++) results.push(await work());
  const first = results[0] ?? Number.NaN;
  const sorted = results.slice(1).sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? first, best: sorted[0] ?? first, first };
}

/** `median` and `best` per unit, to `digits` decimals. */
export function perUnit(figures: Spread, units: number, digits = 1): string {
  return `median ${(figures.median / units).toFixed(digits)}, best ${(figures.best / units).toFixed(digits)}`;
}

/** The load average of the last minute: the machine may be shared. */
export function load(): string {
  return `load average ${loadavg()[0]?.toFixed(1)}`;
}
