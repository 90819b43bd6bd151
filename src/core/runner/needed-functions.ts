import type { Workflow, WorkflowDefinition } from '../ir/workflow.js';

const callPattern = /\$call\(\s*(["'])(.*?)\1\s*\)/g;

/** The names of the functions a value refers to: `{ function: name }` values and `$call("name")`. */
function namedIn(value: unknown, names: Set<string>): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(callPattern)) if (match[2] !== undefined) names.add(match[2]);
  } else if (Array.isArray(value)) {
    for (const entry of value) namedIn(entry, names);
  } else if (typeof value === 'object' && value !== null) {
    const { function: name } = value as { function?: unknown };
    if (typeof name === 'string' && Object.keys(value).length === 1) names.add(name);
    for (const entry of Object.values(value)) namedIn(entry, names);
  }
}

/**
 * The functions that the steps still to run (and the output mapping) name but `functions` lacks,
 * sorted. Steps in `finished` keep their journaled outcome and need none.
 *
 * @example
 * ```ts
 * missingFunctions(run.definition, {}, new Set(['draft'])); // ['publish.run', 'review.subject']
 * ```
 */
export function missingFunctions(
  workflow: Workflow,
  functions: WorkflowDefinition['functions'],
  finished: ReadonlySet<string>,
): string[] {
  const names = new Set<string>();
  for (const step of workflow.steps) if (!finished.has(step.id)) namedIn(step, names);
  namedIn(workflow.output, names);
  return [...names].filter((name) => !(name in functions)).sort();
}
