import { BatonError } from '../errors.js';
import { renderMapping } from '../expressions/render-template.js';
import type { WorkflowCallStep } from '../ir/step.js';
import { checkAgainstSchema } from '../runner/output-schema.js';
import type { StepHandler } from '../runner/run-state.js';

/** `workflow`: runs another registered workflow inline; its steps get paths under this one. */
export const workflowStep: StepHandler<WorkflowCallStep> = {
  leaf: false,
  async execute(step, context) {
    const called =
      context.run.definition.workflows?.[step.workflow] ?? context.run.services.workflows.get(step.workflow);
    if (!called) {
      const known = [
        ...Object.keys(context.run.definition.workflows ?? {}),
        ...context.run.services.workflows.keys(),
      ];
      throw new BatonError(
        'WORKFLOW_NOT_FOUND',
        `Step "${context.path}" calls workflow "${step.workflow}", which is not registered.`,
        {
          stepPath: context.path,
          hint: known.length
            ? `Registered workflows: ${known.join(', ')}.`
            : 'Register it with createBaton({ workflows }).',
        },
      );
    }
    const { workflow, functions } = called;
    const rendered = await renderMapping(step.input ?? {}, context.scope, context.expressions);
    const input = workflow.input
      ? checkAgainstSchema(rendered, workflow.input, 'INPUT_INVALID', context.path)
      : rendered;
    context.setInput(input);
    const scope = { input, steps: {}, run: context.scope.run };
    const graph = await context.runGraph(workflow.steps, context.path, scope, functions);
    if (graph.waiting) return { output: undefined, waiting: graph.waiting };
    const { outputs } = graph;
    const output =
      workflow.output === undefined
        ? outputs
        : await renderMapping(
            workflow.output,
            { ...scope, steps: outputs },
            { stepPath: context.path, functions },
          );
    return { output };
  },
};
