import type { AgentStep } from './step.js';

const events = ['error', 'refused', 'rejected'];

/**
 * The agent-only checks: the per-status tools, `on`, `guard` and `approve` name tools of the
 * step, `on` keys name an event (`tool`, `tool.error`, `tool.refused`, `tool.rejected`,
 * `$answer`), and the initial status is not terminal. A `tools` expression is checked at run time.
 */
export function checkAgentStep(
  step: AgentStep,
  report: (field: Array<string | number>, message: string) => void,
): void {
  const tools = typeof step.tools === 'string' ? undefined : new Set(step.tools);
  const listed = tools ? ` (its tools: ${[...tools].join(', ')})` : '';
  const checkTool = (name: string, field: Array<string | number>) => {
    if (tools && !tools.has(name))
      report(field, `"${name}" is not one of the tools of "${step.id}"${listed}.`);
  };
  for (const [status, names] of Object.entries(step.state?.tools ?? {})) {
    for (const [index, name] of names.entries()) checkTool(name, ['state', 'tools', status, index]);
  }
  for (const key of Object.keys(step.state?.on ?? {})) {
    if (key === '$answer') continue;
    const event = events.find((name) => key.endsWith(`.${name}`));
    checkTool(event ? key.slice(0, -event.length - 1) : key, ['state', 'on', key]);
  }
  for (const name of Object.keys(step.guard ?? {})) checkTool(name, ['guard', name]);
  for (const name of Object.keys(step.approve ?? {})) checkTool(name, ['approve', name]);
  const initial = step.state?.initial.status;
  if (typeof initial === 'string' && step.state?.terminal?.[initial]) {
    report(
      ['state', 'initial', 'status'],
      `The initial status "${initial}" is terminal: the agent would never run.`,
    );
  }
  if (step.state?.on && step.state.reduce !== undefined) {
    report(['state', 'reduce'], 'Give either `on` transitions or a `reduce` function, not both.');
  }
}
