import { pathToFileURL } from 'node:url';
import { BatonError, validateWorkflow, type WorkflowDefinition } from '../../core/index.js';
import type { LoadedWorkflow } from '../yaml/load-workflow.js';
import { importWorkflowModule } from '../yaml/workflow-module.js';
import { resolveTypeScriptImports } from './typescript-resolution.js';

/** Files that are imported as modules exporting definitions, not parsed as YAML or JSON. */
export function isScriptFile(path: string): boolean {
  return /\.[cm]?[jt]s$/.test(path);
}

/**
 * Loads a workflow from a TypeScript or JavaScript module that exports definitions (the result of
 * `workflow(...).build()`, named or default), with the `tools` it exports. A module exporting
 * several picks the one whose workflow is called `name`, else its default export.
 *
 * @example
 * ```ts
 * const definition = await loadDefinitionModule('/flows/review.ts', 'flows/review.ts');
 * ```
 */
export async function loadDefinitionModule(
  absolute: string,
  file: string,
  options: { name?: string } = {},
): Promise<LoadedWorkflow> {
  resolveTypeScriptImports();
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new BatonError('WORKFLOW_INVALID', `${file}: cannot import it: ${(error as Error).message}`, {
      cause: error,
      hint: 'Fix the error in the module. TypeScript runs with its types stripped: enums, namespaces and parameter properties are not supported.',
      details: { file },
    });
  }
  const found = Object.entries(exports).filter((entry): entry is [string, WorkflowDefinition] =>
    isDefinition(entry[1]),
  );
  const exported = found.map(([key, value]) => `${key} (${value.workflow.name})`).join(', ');
  const chosen =
    options.name === undefined
      ? found.length === 1
        ? found[0]
        : found.find(([key]) => key === 'default')
      : found.find(([, value]) => value.workflow.name === options.name);
  if (!chosen) {
    const why =
      found.length === 0
        ? 'exports no workflow definition'
        : options.name === undefined
          ? `exports ${found.length} workflow definitions (${exported}) and no default`
          : `exports no workflow named "${options.name}" (it exports ${exported})`;
    throw new BatonError('WORKFLOW_INVALID', `${file} ${why}.`, {
      hint: 'Export the result of `workflow(...).build()`: `export default` runs with `baton run`, named exports are found by workflow name.',
      details: { file },
    });
  }
  const definition = chosen[1];
  const { problems } = validateWorkflow(definition.workflow, definition.functions);
  if (problems.length > 0) {
    const lines = problems.map(
      (problem) => `${file}: ${problem.stepId ? `[${problem.stepId}] ` : ''}${problem.message}`,
    );
    throw new BatonError('WORKFLOW_INVALID', `${file} exports an invalid workflow:\n${lines.join('\n')}`, {
      hint: 'Fix the steps named above.',
      details: { file, problems },
    });
  }
  const module = await importWorkflowModule(absolute);
  if (!module.module) {
    throw new BatonError('WORKFLOW_INVALID', `${file}: ${module.problems.join(' ')}`, { details: { file } });
  }
  return {
    workflow: definition.workflow,
    functions: { ...definition.functions },
    tools: module.module.tools,
    file,
    warnings: [],
    modulePath: absolute,
  };
}

function isDefinition(value: unknown): value is WorkflowDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const { workflow, functions } = value as Partial<WorkflowDefinition>;
  return (
    typeof workflow === 'object' &&
    workflow !== null &&
    typeof workflow.name === 'string' &&
    Array.isArray(workflow.steps) &&
    typeof functions === 'object' &&
    functions !== null
  );
}
