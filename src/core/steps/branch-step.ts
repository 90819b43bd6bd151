import { BatonError } from '../errors.js';
import { evaluateExpression } from '../expressions/evaluate-expression.js';
import type { BranchStep } from '../ir/step.js';
import type { StepContext, StepHandler } from '../runner/run-state.js';
import { callModel } from './call-model.js';
import { renderText } from './llm-step.js';

/**
 * `branch`: picks one route, by the first route whose `when` holds, or by a model classifying
 * the input over the routes' descriptions. Steps of the other routes are skipped by the graph.
 * Output: `{ route, confidence?, reason? }`.
 */
export const branchStep: StepHandler<BranchStep> = {
  leaf: true,
  async execute(step, context) {
    if (step.classify) return classify(step, context);
    for (const [name, route] of Object.entries(step.routes)) {
      if (
        route.when !== undefined &&
        (await evaluateExpression(route.when, context.scope, {
          stepPath: context.path,
          functions: context.functions,
        }))
      ) {
        return { output: { route: name }, note: `route ${name}` };
      }
    }
    if (step.default === undefined) {
      throw new BatonError(
        'STEP_FAILED',
        `No route of branch "${context.path}" matched and it has no default.`,
        {
          stepPath: context.path,
          hint: 'Add `default: <route>` to the branch.',
        },
      );
    }
    return { output: { route: step.default }, note: `route ${step.default} (default)` };
  },
};

async function classify(step: BranchStep, context: StepContext) {
  const classify = step.classify as NonNullable<BranchStep['classify']>;
  const routes = Object.keys(step.routes);
  const prompt = await renderText(classify.prompt, context);
  const described = routes.map((name) => `- ${name}: ${step.routes[name]?.description ?? ''}`).join('\n');
  const system =
    (classify.system === undefined ? '' : `${await renderText(classify.system, context)}\n\n`) +
    `Classify the request into exactly one route.\nRoutes:\n${described}\nAnswer with the route, your confidence from 0 to 1, and a short reason.`;
  context.setInput({ system, prompt });
  const { value, model } = await callModel(context, {
    model: classify.model,
    system,
    prompt,
    temperature: classify.temperature,
    maxOutputTokens: classify.maxOutputTokens,
    schema: {
      type: 'object',
      properties: {
        route: { type: 'string', enum: routes },
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        reason: { type: 'string' },
      },
      required: ['route', 'confidence'],
      additionalProperties: false,
    },
  });
  const answer = value as { route: string; confidence: number; reason?: string };
  const threshold = classify.threshold ?? 0;
  const chosen = answer.confidence >= threshold || step.default === undefined ? answer.route : step.default;
  const note =
    chosen === answer.route
      ? `route ${chosen}`
      : `route ${chosen} (default: confidence ${answer.confidence} < ${threshold})`;
  return { output: { ...answer, route: chosen, classified: answer.route }, model, note };
}
