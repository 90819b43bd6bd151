import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chain, fanOut, independentChains, mapOf, randomDag, type TimedGraph } from './dag-workloads.js';
import { load, perUnit, spread, type Timing, timeRun } from './measure.js';

const steps = 2000;
const repeats = 21;

async function handWritten(kind: 'chain' | 'fan-out'): Promise<Timing> {
  const value = async () => 1;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  if (kind === 'chain') {
    for (let index = 0; index < steps; index++) await value();
  } else {
    await value();
    await Promise.all(Array.from({ length: steps }, value));
    await value();
  }
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - started) / 1000, cpu: used.user + used.system };
}

/** A pool of `workers` Promise loops over `count` items that each sleep `ms`: the same schedule by hand. */
async function handWrittenPool(count: number, workers: number, ms: number): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - started) / 1000, cpu: used.user + used.system };
}

async function ratio(
  name: string,
  graph: TimedGraph,
  goal: string,
  baseline?: () => Promise<Timing>,
): Promise<void> {
  const runs = await spread(6, () => timeRun(graph.definition));
  const of = (timing: Timing) => (timing.wall / 1000 / graph.idealMs).toFixed(4);
  const by = baseline && (await spread(6, baseline));
  const byHand = by ? `; hand-written Promise pool median ${of(by.median)}, best ${of(by.best)}` : '';
  console.log(
    `${name}: makespan / ideal ${graph.idealMs} ms: median ${of(runs.median)}, best ${of(runs.best)} (goal ${goal}${byHand}; ${load()})`,
  );
}

/**
 * Engine overhead per step and makespans, each run on a fresh engine with the default options and
 * the memory store, as a user gets them; then peak memory in a fresh process.
 */
export default async function engineBench(): Promise<void> {
  for (const [name, definition] of [
    ['chain', chain(steps)],
    ['fan-out', fanOut(steps)],
  ] as const) {
    const count = definition.workflow.steps.length;
    const engine = await spread(repeats, () => timeRun(definition));
    const baseline = await spread(repeats, () => handWritten(name));
    console.log(
      `${steps}-step ${name}, memory store, default options, ${repeats - 1} runs: ${perUnit(engine, count, 2)} ` +
        `(goal <= 5 wall-clock; first run in the process ${(engine.first.wall / count).toFixed(2)}); ` +
        `hand-written Promise equivalent best ${(baseline.best.wall / count).toFixed(2)} us/step (${load()})`,
    );
  }
  await ratio('1,000-item map, 20 ms items', mapOf(1000, 20), '<= 1.01', () => handWrittenPool(1000, 64, 20));
  await ratio('random DAG of 48 steps (20-400 ms, seed 7)', randomDag(48, 7, 20, 400), '<= 1.01');
  await ratio(
    '8 independent chains of 6 steps (20-400 ms, seed 11)',
    independentChains(8, 6, 11, 20, 400),
    '<= 1.01',
  );
  const here = dirname(fileURLToPath(import.meta.url));
  for (const store of ['memory', 'sqlite']) {
    const rss = execFileSync(process.execPath, [join(here, 'fan-out-rss.mjs'), String(steps), store], {
      encoding: 'utf8',
    }).trim();
    console.log(
      `${steps}-wide fan-out peak RSS, ${store} store: ${rss} MB in a fresh process on the built package (goal <= 90; ${load()})`,
    );
  }
  const bare = execFileSync(
    process.execPath,
    ['-e', 'console.log((process.resourceUsage().maxRSS / 1024).toFixed(1))'],
    {
      encoding: 'utf8',
    },
  ).trim();
  console.log(`bare node peak RSS: ${bare} MB`);
}
