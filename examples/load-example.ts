import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedWorkflow, loadWorkflowFile } from '../src/authoring/yaml/index.js';

/**
 * Loads a workflow file of an example folder the way `baton run` does: the YAML compiled to the
 * IR, with the functions and tools of the module it names (or the `.ts` file beside it).
 *
 * @example
 * ```ts
 * const definition = await loadExample(import.meta.dirname, 'serial-chain.yaml');
 * const baton = createBaton({ models: { default: model }, tools: definition.tools });
 * ```
 */
export function loadExample(directory: string, file: string): Promise<LoadedWorkflow> {
  return loadWorkflowFile(join(directory, file));
}

/**
 * The workflow files of an example folder, so a test can check that every one of them is valid
 * and that none is left without a test.
 *
 * @example
 * ```ts
 * expect(workflowFiles(import.meta.dirname)).toEqual(['serial-chain.yaml']);
 * ```
 */
export function workflowFiles(directory: string): string[] {
  return (
    readdirSync(directory)
      // Eval files (`*.eval.yaml`) sit beside the workflows they evaluate; they are not workflows.
      .filter((name) => (name.endsWith('.yaml') || name.endsWith('.yml')) && !/\.eval\.ya?ml$/.test(name))
      .sort()
  );
}
