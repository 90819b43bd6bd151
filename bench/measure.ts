import { loadavg } from 'node:os';
import type * as Baton from '../src/index.js';
import type { Store, WorkflowDefinition } from '../src/index.js';

/**
 * The built package, as users run it (`npm run bench` builds it first): the sources run through
 * tsx take about twice the CPU time per step.
 */
export const baton = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof Baton;

/** One run: wall-clock and CPU microseconds (CPU time is what a loaded machine inflates least). */
export interface Timing {
  wall: number;
  cpu: number;
}

/** Times one run on a fresh engine with default options (concurrency, gates, event journaling). */
export async function timeRun(
  definition: WorkflowDefinition,
  store: Store = new baton.MemoryStore(),
): Promise<Timing> {
  const engine = baton.createEngine({ store });
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await engine.run(definition);
  const wall = Number(process.hrtime.bigint() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error?.message}`);
  return { wall, cpu: used.user + used.system };
}

export interface Spread {
  median: Timing;
  best: Timing;
  first: Timing;
}

/** Runs `work` `times` times in a row; the first run (a cold process) is reported apart. */
export async function spread(times: number, work: () => Promise<Timing>): Promise<Spread> {
  const results: Timing[] = [];
  for (let index = 0; index < times; index++) results.push(await work());
  const first = results[0] ?? { wall: Number.NaN, cpu: Number.NaN };
  const rest = results.length > 1 ? results.slice(1) : results;
  const middle = (key: keyof Timing) => [...rest].sort((a, b) => a[key] - b[key]);
  const half = Math.floor(rest.length / 2);
  return {
    median: { wall: middle('wall')[half]?.wall ?? first.wall, cpu: middle('cpu')[half]?.cpu ?? first.cpu },
    best: { wall: middle('wall')[0]?.wall ?? first.wall, cpu: middle('cpu')[0]?.cpu ?? first.cpu },
    first,
  };
}

/** Median and best wall-clock and CPU time per unit, to `digits` decimals. */
export function perUnit(figures: Spread, units: number, digits = 1): string {
  const of = (micros: number) => (micros / units).toFixed(digits);
  return (
    `median ${of(figures.median.wall)}, best ${of(figures.best.wall)} us/step wall-clock; ` +
    `CPU median ${of(figures.median.cpu)}, best ${of(figures.best.cpu)} us/step`
  );
}

/** The load average of the last minute: the machine may be shared. */
export function load(): string {
  return `load average ${loadavg()[0]?.toFixed(1)}`;
}
