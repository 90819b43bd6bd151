import jsonata from 'jsonata';
import {
  createEngine,
  defaultExpressionLimits,
  evaluateExpression,
  type Step,
  type WorkflowDefinition,
} from '../src/core/index.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';

const steps = 2000;
// The bound does the same work whatever its size; a long limit keeps a stall of a busy machine
// from ending the benchmark.
const limits = { ...defaultExpressionLimits, timeoutMs: 60_000 };

/** A chain of transform steps, each a JSONata expression over the step before. */
function expressionChain(length: number): WorkflowDefinition {
  const chain: Step[] = Array.from({ length }, (_, index) => ({
    id: `s${index}`,
    kind: 'transform',
    value: index === 0 ? '1' : `steps.s${index - 1} + 1`,
  }));
  return { workflow: { name: 'expression-chain', steps: chain }, functions: {} };
}

async function best(times: number, work: () => Promise<number>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let index = 0; index < times; index++) fastest = Math.min(fastest, await work());
  return fastest;
}

async function microseconds(work: () => Promise<unknown>, repeat: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let index = 0; index < repeat; index++) await work();
  return Number(process.hrtime.bigint() - started) / 1000 / repeat;
}

/**
 * The cost of bounding expressions (time, depth, a turn for timers, linear-time regexes): an
 * engine chain of expression steps, and single evaluations with and without the bound.
 */
export default async function expressionBench(): Promise<void> {
  const definition = expressionChain(steps);
  const perStep = await best(10, async () => {
    const engine = createEngine({ store: new MemoryStore(), concurrency: 4096, expressionLimits: limits });
    const started = process.hrtime.bigint();
    const result = await engine.run(definition);
    if (result.status !== 'succeeded')
      throw new Error(`bench run ${result.status}: ${result.error?.message}`);
    return Number(process.hrtime.bigint() - started) / 1000 / steps;
  });
  console.log(
    `${steps}-step chain of JSONata transforms: ${perStep.toFixed(2)} us/step through the engine, best of 10`,
  );
  const scope = {
    input: {
      items: Array.from({ length: 50 }, (_, index) => ({ price: index, quantity: 2, sku: `sku-${index}` })),
    },
  };
  for (const [name, expression, repeat] of [
    ['small', 'input.items[0].price + 1', 5000],
    ['50-item sum', '$sum(input.items.(price * quantity))', 2000],
    ['regex over 50 items', 'input.items[$contains(sku, /-4\\d$/)].sku', 1000],
    ['10,000-element range', '$sum([1..10000].($ * 2))', 20],
  ] as const) {
    const raw = jsonata(expression);
    // Measured in turns, so a busy machine slows both alike.
    let unbounded = Number.POSITIVE_INFINITY;
    let bounded = Number.POSITIVE_INFINITY;
    for (let turn = 0; turn < 10; turn++) {
      unbounded = Math.min(unbounded, await microseconds(() => raw.evaluate(scope), repeat));
      bounded = Math.min(
        bounded,
        await microseconds(() => evaluateExpression(expression, scope, { limits }), repeat),
      );
    }
    console.log(
      `expression "${name}": ${bounded.toFixed(2)} us bounded, ${unbounded.toFixed(2)} us JSONata alone (+${(((bounded - unbounded) / unbounded) * 100).toFixed(0)}%)`,
    );
  }
}
