import { BatonError } from '../errors.js';
import { computeValue } from '../expressions/render-template.js';
import type { MapStep } from '../ir/step.js';
import { itemPath } from '../ir/step-path.js';
import { mergeWaiting } from '../runner/execute-graph.js';
import type { StepContext, StepHandler, Waiting } from '../runner/run-state.js';

/**
 * `map`: runs its steps once per item (`item`, `index` in scope) with a concurrency limit and
 * returns the results in input order. Item `i` runs under the path `<map>[i]`.
 */
export const mapStep: StepHandler<MapStep> = {
  leaf: false,
  async execute(step, context) {
    const items = await computeValue(step.items, context.scope, {
      ...context.expressions,
      asTemplate: false,
    });
    if (!Array.isArray(items)) {
      throw new BatonError(
        'STEP_FAILED',
        `Items of map "${context.path}" must be a list, but the expression gave ${describe(items)}.`,
        {
          stepPath: context.path,
          details: { items },
          hint: 'Make `items` evaluate to an array.',
        },
      );
    }
    context.setInput({ items: items.length });
    const results: unknown[] = new Array(items.length);
    let waiting: Waiting | undefined;
    let next = 0;
    let stopped = false;
    const worker = async () => {
      while (!stopped && next < items.length) {
        const index = next++;
        try {
          const item = await runItem(step, context, items[index], index);
          if ('waiting' in item) waiting = mergeWaiting(waiting, item.waiting);
          else results[index] = item.result;
        } catch (error) {
          const policy = step.onItemError ?? 'fail';
          if (policy === 'fail' || context.signal.aborted) {
            stopped = true;
            throw error;
          }
          results[index] = policy.continue;
        }
      }
    };
    // Without a limit of its own, a map starts as many items as the engine may run steps at once:
    // more would only queue at the engine's gate, each holding a sub-graph and a listener.
    const limit = step.concurrency ?? context.run.services.gate.limit;
    const workers = Math.min(limit, items.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (waiting) return { output: undefined, waiting };
    return { output: results, note: `${items.length} item(s)` };
  },
};

async function runItem(
  step: MapStep,
  context: StepContext,
  item: unknown,
  index: number,
): Promise<{ result: unknown } | { waiting: Waiting }> {
  const scope = { ...context.scope, item, index };
  const graph = await context.runGraph(step.steps, itemPath(context.path, index), scope);
  if (graph.waiting) return { waiting: graph.waiting };
  const { outputs } = graph;
  // Without `result`, the item's result is its last step's output: no scope to build, no await.
  if (step.result === undefined) return { result: lastOutput(step, outputs) };
  return {
    result: await resultOf(step, context, { ...scope, steps: { ...scope.steps, ...outputs } }, outputs),
  };
}

/** The result of one map item or loop iteration: `result`, else the output of its last step. */
export async function resultOf(
  step: { steps: Array<{ id: string }>; result?: MapStep['result'] },
  context: StepContext,
  scope: StepContext['scope'],
  outputs: Record<string, unknown>,
): Promise<unknown> {
  if (step.result !== undefined) {
    return computeValue(step.result, scope, { ...context.expressions, asTemplate: false });
  }
  return lastOutput(step, outputs);
}

function lastOutput(step: { steps: Array<{ id: string }> }, outputs: Record<string, unknown>): unknown {
  return outputs[step.steps[step.steps.length - 1]?.id ?? ''];
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (does the path exist?)';
  return `a ${value === null ? 'null' : typeof value}`;
}
