import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Step, ToolDefinition, Workflow, WorkflowDefinition } from '../../core/index.js';

/** A `workflow` step's target that names a file rather than a registered workflow. */
export function isWorkflowFile(name: string): boolean {
  return /^\.{0,2}\//.test(name) || /\.(ya?ml|json)$/i.test(name);
}

/** Each `workflow` step that names a file, with the document path of its `workflow` field. */
export function calledFiles(workflow: Workflow): Array<{ name: string; path: Array<string | number> }> {
  const found: Array<{ name: string; path: Array<string | number> }> = [];
  const visit = (steps: readonly Step[], at: Array<string | number>) => {
    steps.forEach((step, index) => {
      if (step.kind === 'workflow' && isWorkflowFile(step.workflow)) {
        found.push({ name: step.workflow, path: [...at, index, 'workflow'] });
      }
      if (step.kind === 'map' || step.kind === 'loop') visit(step.steps, [...at, index, 'steps']);
    });
  };
  visit(workflow.steps, ['steps']);
  return found;
}

/** What loading the called files adds to the caller: the workflows by the name the steps use, and their tools. */
export interface CalledWorkflows {
  workflows: Record<string, WorkflowDefinition>;
  tools: Record<string, ToolDefinition>;
  /** Problems to report at the caller's `workflow` fields. */
  problems: Array<{ path: Array<string | number>; message: string }>;
}

/**
 * Loads the workflow files a workflow's steps call (`workflow: ./other.yaml`, relative to the
 * caller), and the files those call, so the whole tree is validated with the caller. A missing
 * file, a file calling itself in a loop, or one name standing for two files is a problem.
 */
export async function loadCalledWorkflows(
  workflow: Workflow,
  file: string,
  trail: readonly string[],
  load: (
    path: string,
    trail: readonly string[],
  ) => Promise<
    WorkflowDefinition & {
      tools: Readonly<Record<string, ToolDefinition>>;
      workflows?: Readonly<Record<string, WorkflowDefinition>>;
    }
  >,
): Promise<CalledWorkflows> {
  const result: CalledWorkflows = { workflows: {}, tools: {}, problems: [] };
  const targets = new Map<string, string>();
  for (const { name, path } of calledFiles(workflow)) {
    const target = resolve(dirname(file), name);
    const earlier = targets.get(name);
    if (earlier !== undefined) {
      if (earlier !== target)
        result.problems.push({ path, message: `${name} names two files: ${earlier} and ${target}.` });
      continue;
    }
    targets.set(name, target);
    if (!existsSync(target)) {
      result.problems.push({ path, message: `Workflow file ${name} does not exist (looked for ${target}).` });
      continue;
    }
    if (trail.includes(target)) {
      result.problems.push({ path, message: `${name} calls back into ${[...trail, target].join(' -> ')}.` });
      continue;
    }
    const called = await load(target, trail);
    result.workflows[name] = called;
    for (const [nested, definition] of Object.entries(called.workflows ?? {}))
      result.workflows[nested] ??= definition;
    Object.assign(result.tools, called.tools);
  }
  return result;
}
