import type { Step, WorkflowDefinition } from '../src/core/index.js';

/** A seeded generator (mulberry32), so every run of a benchmark builds the same graph. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const quick = { value: () => 1 };

/** A chain of `length` transform steps, each reading the one before. */
export function chain(length: number): WorkflowDefinition {
  const steps: Step[] = Array.from({ length }, (_, index) => ({
    id: `s${index}`,
    kind: 'transform',
    value: { function: 'value' },
    ...(index > 0 ? { needs: [`s${index - 1}`] } : {}),
  }));
  return { workflow: { name: 'chain', steps }, functions: quick };
}

/** One root, `width` independent steps, one join that needs them all. */
export function fanOut(width: number): WorkflowDefinition {
  const middle = Array.from({ length: width }, (_, index) => `s${index}`);
  const steps: Step[] = [
    { id: 'root', kind: 'transform', value: { function: 'value' } },
    ...middle.map((id): Step => ({ id, kind: 'transform', value: { function: 'value' }, needs: ['root'] })),
    { id: 'join', kind: 'transform', value: { function: 'value' }, needs: middle },
  ];
  return { workflow: { name: 'fan-out', steps }, functions: quick };
}

export interface TimedGraph {
  definition: WorkflowDefinition;
  /** The makespan of a schedule without overhead: the critical path, within the concurrency limit. */
  idealMs: number;
}

/** The engine's default concurrency: leaf steps running at once. */
const defaultConcurrency = 64;

/** A map over `count` items whose one step sleeps `ms`: waves of the default concurrency. */
export function mapOf(count: number, ms: number): TimedGraph {
  const steps: Step[] = [
    {
      id: 'each',
      kind: 'map',
      items: { function: 'items' },
      steps: [{ id: 'work', kind: 'transform', value: { function: 'sleep' } }],
    },
  ];
  const functions = {
    items: () => Array.from({ length: count }, (_, index) => index),
    sleep: () => new Promise((resolve) => setTimeout(resolve, ms, ms)),
  };
  return {
    definition: { workflow: { name: 'map', steps }, functions },
    idealMs: Math.ceil(count / defaultConcurrency) * ms,
  };
}

/**
 * A random DAG whose steps sleep a given latency. Edges go from lower to higher index with a
 * random choice of parents, which gives crossing dependencies (not series-parallel).
 */
export function randomDag(size: number, seed: number, minMs: number, maxMs: number): TimedGraph {
  const random = seededRandom(seed);
  const latency: number[] = [];
  const parents: number[][] = [];
  for (let index = 0; index < size; index++) {
    latency.push(Math.round(minMs + random() * (maxMs - minMs)));
    const chosen = new Set<number>();
    const count = index === 0 ? 0 : 1 + Math.floor(random() * Math.min(3, index));
    while (chosen.size < count) chosen.add(Math.floor(random() * index));
    parents.push([...chosen]);
  }
  return timed(latency, parents);
}

/** `count` independent chains of `length` steps with seeded latencies. */
export function independentChains(
  count: number,
  length: number,
  seed: number,
  minMs: number,
  maxMs: number,
): TimedGraph {
  const random = seededRandom(seed);
  const latency: number[] = [];
  const parents: number[][] = [];
  for (let chainIndex = 0; chainIndex < count; chainIndex++) {
    for (let position = 0; position < length; position++) {
      latency.push(Math.round(minMs + random() * (maxMs - minMs)));
      parents.push(position === 0 ? [] : [latency.length - 2]);
    }
  }
  return timed(latency, parents);
}

function timed(latency: number[], parents: number[][]): TimedGraph {
  const finish: number[] = [];
  latency.forEach((ms, index) => {
    finish.push(ms + Math.max(0, ...(parents[index] ?? []).map((parent) => finish[parent] ?? 0)));
  });
  const steps: Step[] = latency.map((ms, index) => ({
    id: `s${index}`,
    kind: 'transform',
    value: { function: `sleep${ms}` },
    needs: (parents[index] ?? []).map((parent) => `s${parent}`),
  }));
  const functions = Object.fromEntries(
    latency.map((ms) => [`sleep${ms}`, () => new Promise((resolve) => setTimeout(resolve, ms, ms))]),
  );
  return {
    definition: { workflow: { name: 'timed', steps }, functions },
    idealMs: Math.max(...finish),
  };
}
