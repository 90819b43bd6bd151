import { relative } from 'node:path';
import { Command } from 'commander';
import { isScriptFile } from '../../authoring/module/load-definition-module.js';
import { unnamedModuleNote } from '../../authoring/module/unnamed-module.js';
import { formatFileProblem, loadWorkflowFile, type WorkflowFileProblem } from '../../authoring/yaml/index.js';
import { BatonError, formatProblemPath, type Step, validateWorkflow } from '../../core/index.js';
import { loadEvalFile, prepareEval } from '../../eval/index.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { ExitCode } from '../exit-codes.js';
import { type ModuleRootOptions, moduleOptions, withModuleRootOption } from '../module-roots.js';
import type { CliOutput } from '../output.js';
import { describeError } from '../output.js';

/**
 * `baton validate <workflow>`: every static problem of a workflow file at once, each at its
 * file:line:column, without running anything.
 *
 * @example
 * ```ts
 * program.addCommand(createValidateCommand());
 * ```
 */
export function createValidateCommand(): Command {
  const command = withModuleRootOption(
    withCommonOptions(
      new Command('validate')
        .description(
          'check a workflow file and list every problem with its file:line:column (imports its module)',
        )
        .argument('<workflow>', 'YAML or JSON workflow file, or a .ts/.js module exporting a definition'),
    ),
  ).addHelpText('after', '\nExample:\n  $ baton validate triage.yaml');
  return setAction<CommonOptions & ModuleRootOptions>(command, async ({ output, options, args }) => {
    const file = args[0] ?? '';
    if (/\.eval\.ya?ml$/.test(file)) return validateEvalFile(output, file);
    try {
      const definition = await loadWorkflowFile(file, moduleOptions(options));
      const steps = countSteps(definition.workflow.steps);
      const missingTools = toolNames(definition.workflow.steps).filter(
        (name) => !Object.hasOwn(definition.tools, name),
      );
      const warnings = [
        ...definition.warnings.map(formatFileProblem),
        ...missingTools.map(
          (name) => `tool "${name}" is not exported by the workflow module; register it before running`,
        ),
      ];
      for (const warning of validateWorkflow(definition.workflow, definition.functions).warnings ?? [])
        warnings.push(`${formatProblemPath(warning.path)}: ${warning.message}`);
      const unnamed = definition.modulePath === undefined ? unnamedModuleNote(file) : undefined;
      if (unnamed !== undefined) warnings.push(unnamed);
      if (output.json) {
        output.data({
          valid: true,
          file: definition.file,
          workflow: definition.workflow.name,
          steps,
          warnings,
          ...(definition.modulePath ? { module: definition.modulePath } : {}),
        });
      } else {
        output.line(
          `✓ ${definition.file} is valid: workflow "${definition.workflow.name}", ${steps} step(s)${definition.modulePath ? `, module ${relative(process.cwd(), definition.modulePath)}` : ''}`,
        );
        for (const warning of warnings) output.note(`warning: ${warning}`);
      }
      return ExitCode.ok;
    } catch (error) {
      if (!BatonError.is(error, 'WORKFLOW_INVALID')) throw error;
      const problems = (error.details?.problems ?? []) as WorkflowFileProblem[];
      const unnamed = isScriptFile(file) ? undefined : unnamedModuleNote(file);
      if (output.json) output.data({ valid: false, file, problems });
      else output.note(describeError(error));
      if (unnamed !== undefined && !output.json) output.note(`note: ${unnamed}`);
      return ExitCode.usage;
    }
  });
}

function countSteps(steps: readonly Step[]): number {
  return steps.reduce(
    (count, step) => count + 1 + (step.kind === 'map' || step.kind === 'loop' ? countSteps(step.steps) : 0),
    0,
  );
}

function toolNames(steps: readonly Step[]): string[] {
  return [
    ...new Set(
      steps.flatMap((step) => {
        if (step.kind === 'tool') return [step.tool];
        if (step.kind === 'agent') return typeof step.tools === 'string' ? [] : step.tools;
        if (step.kind === 'map' || step.kind === 'loop') return toolNames(step.steps);
        return [];
      }),
    ),
  ];
}

/**
 * An eval file (`*.eval.yaml`) is checked as one: its fields, its dataset, and the workflows its
 * variants run. A problem is `INPUT_INVALID` (exit 2) with its file:line:column.
 */
async function validateEvalFile(output: CliOutput, file: string): Promise<ExitCode> {
  const loaded = await loadEvalFile(file);
  const prepared = await prepareEval(loaded);
  const summary = {
    valid: true,
    file,
    eval: loaded.spec.name,
    cases: loaded.rows.length,
    variants: Object.keys(prepared.workflows),
  };
  output.data(summary);
  output.line(
    `✓ ${file} is a valid eval: "${loaded.spec.name}", ${loaded.rows.length} cases, variants ${summary.variants.join(', ')}`,
  );
  return ExitCode.ok;
}
