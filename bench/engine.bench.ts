import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type WorkflowDefinition } from '../src/core/index.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import { chain, fanOut, independentChains, randomDag, type TimedGraph } from './dag-workloads.js';

const steps = 2000;

async function timeRun(definition: WorkflowDefinition): Promise<number> {
  const engine = createEngine({ store: new MemoryStore(), concurrency: 4096 });
  const started = process.hrtime.bigint();
  const result = await engine.run(definition);
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error?.message}`);
  return elapsed;
}

async function best(times: number, work: () => Promise<number>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let index = 0; index < times; index++) fastest = Math.min(fastest, await work());
  return fastest;
}

async function handWritten(kind: 'chain' | 'fan-out'): Promise<number> {
  const value = async () => 1;
  const started = process.hrtime.bigint();
  if (kind === 'chain') {
    for (let index = 0; index < steps; index++) await value();
  } else {
    await value();
    await Promise.all(Array.from({ length: steps }, value));
    await value();
  }
  return Number(process.hrtime.bigint() - started) / 1000;
}

async function ratio(name: string, graph: TimedGraph): Promise<void> {
  const makespan = (await timeRun(graph.definition)) / 1000;
  console.log(
    `${name}: makespan ${makespan.toFixed(1)} ms, critical path ${graph.criticalPathMs} ms, ratio ${(makespan / graph.criticalPathMs).toFixed(4)} (goal <= 1.01)`,
  );
}

/** Engine overhead per step, makespan against the critical path, and peak memory. */
export default async function engineBench(): Promise<void> {
  for (const [name, definition] of [
    ['chain', chain(steps)],
    ['fan-out', fanOut(steps)],
  ] as const) {
    const cold = await timeRun(definition);
    const engine = await best(20, () => timeRun(definition));
    const baseline = await best(20, () => handWritten(name));
    const count = definition.workflow.steps.length;
    console.log(
      `${steps}-step ${name}: ${(engine / count).toFixed(2)} us/step through the engine, best of 20 (goal <= 10; first run in the process ${(cold / count).toFixed(2)}), hand-written Promise equivalent ${(baseline / count).toFixed(2)} us/step`,
    );
  }
  await ratio('random DAG of 48 steps (20-400 ms, seed 7)', randomDag(48, 7, 20, 400));
  await ratio('8 independent chains of 6 steps (20-400 ms, seed 11)', independentChains(8, 6, 11, 20, 400));
  const here = dirname(fileURLToPath(import.meta.url));
  const rss = execFileSync(process.execPath, [join(here, 'fan-out-rss.mjs'), String(steps)], {
    encoding: 'utf8',
  }).trim();
  const bare = execFileSync(
    process.execPath,
    ['-e', 'console.log((process.resourceUsage().maxRSS / 1024).toFixed(1))'],
    {
      encoding: 'utf8',
    },
  ).trim();
  console.log(
    `${steps}-wide fan-out peak RSS: ${rss} MB in a fresh process on the built package (goal <= 90; bare node ${bare} MB)`,
  );
}
