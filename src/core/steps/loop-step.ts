import { BatonError } from '../errors.js';
import { computeValue } from '../expressions/render-template.js';
import type { LoopStep } from '../ir/step.js';
import { iterationPath } from '../ir/step-path.js';
import { canonicalJson } from '../runner/canonical-json.js';
import type { StepHandler } from '../runner/run-state.js';
import { resultOf } from './map-step.js';

/**
 * `loop`: runs its steps again and again (`iteration` from 1, `previous` result in scope) until
 * `until` holds. Always capped by `maxIterations`; an iteration whose result equals the one
 * before means the loop is stuck. Iteration `n` runs under the path `<loop>#n`.
 */
export const loopStep: StepHandler<LoopStep> = {
  leaf: false,
  async execute(step, context) {
    let previous: unknown;
    for (let iteration = 1; iteration <= step.maxIterations; iteration++) {
      const scope = { ...context.scope, iteration, previous };
      const graph = await context.runGraph(step.steps, iterationPath(context.path, iteration), scope);
      if (graph.waiting) return { output: undefined, waiting: graph.waiting };
      const { outputs } = graph;
      const inner = { ...scope, steps: { ...scope.steps, ...outputs } };
      const result = await resultOf(step, context, inner, outputs);
      const until = await computeValue(
        step.until,
        { ...inner, result },
        { ...context.expressions, asTemplate: false },
      );
      if (until) return { output: result, note: `${iteration} iteration(s)` };
      if (iteration > 1 && canonicalJson(result) === canonicalJson(previous)) {
        if (step.onStuck === 'end') return { output: result, note: `stuck after ${iteration} iteration(s)` };
        throw new BatonError(
          'LOOP_STUCK',
          `Loop "${context.path}" is stuck: iteration ${iteration} gave the same result as the one before.`,
          {
            stepPath: context.path,
            details: { iteration, result },
            hint: 'Make each iteration change its result (feed `previous` into it), or set `onStuck: end`.',
          },
        );
      }
      previous = result;
    }
    throw new BatonError(
      'LOOP_LIMIT_REACHED',
      `Loop "${context.path}" reached maxIterations (${step.maxIterations}) before \`until\` held.`,
      {
        stepPath: context.path,
        details: { maxIterations: step.maxIterations, result: previous },
        hint: 'Raise maxIterations, or loosen the `until` condition.',
      },
    );
  },
};
