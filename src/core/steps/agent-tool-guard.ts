import { callFunction } from '../expressions/evaluate-expression.js';
import { renderTemplate } from '../expressions/render-template.js';
import type { AgentStep } from '../ir/step.js';
import type { StepContext } from '../runner/run-state.js';
import type { StateValue } from './agent-state.js';
import type { ModelTurn } from './call-model.js';

/**
 * What a guard says about a call before it runs: undefined when it may run, else the message the
 * model gets instead of a result. A guard gives `true` to allow, or a message (or `false`) to refuse;
 * it sees `args` and `state`.
 */
export async function guardRefusal(
  step: AgentStep,
  context: StepContext,
  state: StateValue | undefined,
  call: ModelTurn['toolCalls'][number],
): Promise<string | undefined> {
  const guard = step.guard?.[call.toolName];
  if (guard === undefined) return undefined;
  const scope = { ...context.scope, args: call.input, state, tool: call.toolName };
  const verdict =
    typeof guard === 'string'
      ? await renderTemplate(guard, scope, { stepPath: context.path, functions: context.functions })
      : await callFunction(context.functions, guard.function, scope, context.path);
  if (verdict === true) return undefined;
  const reason = typeof verdict === 'string' && verdict !== '' ? verdict : 'refused by the guard';
  return `Call of "${call.toolName}" refused, it did not run: ${reason}.`;
}
