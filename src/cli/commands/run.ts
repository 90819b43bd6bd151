import { Command } from 'commander';
import { unnamedModuleNote } from '../../authoring/module/unnamed-module.js';
import { loadWorkflowFile } from '../../authoring/yaml/index.js';
import { BatonError, hashWorkflow, type WorkflowDefinition } from '../../core/index.js';
import { checkMockModel, engineFor, modelNamesOf, noteMockModel } from '../cli-engine.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { openDistributed } from '../distributed-runs.js';
import { ExitCode } from '../exit-codes.js';
import { type ModelOptions, modelsForRun, withModelOptions } from '../models/run-models.js';
import { type ModuleRootOptions, moduleOptions, withModuleRootOption } from '../module-roots.js';
import { isPostgresUrl, openStore } from '../open-store.js';
import type { CliOutput } from '../output.js';
import { collectInput, parseBudget, runInput } from '../parse-options.js';
import { runSession } from '../run-session.js';
import { rememberWorkflowFile } from '../workflow-files.js';

interface RunCommandOptions extends CommonOptions, ModelOptions, ModuleRootOptions {
  input?: Record<string, unknown>;
  inputFile?: string;
  budget?: number;
  allowUnpriced?: boolean;
  showOutputs?: boolean;
  detach?: boolean;
  queue?: string;
}

const examples = `
Examples:
  $ baton run triage.yaml --input ticket="My invoice is wrong"
  $ baton run report.yaml --input-file input.json --budget 0.50
  $ baton run triage.yaml --model fast=openai:gpt-4o-mini --record triage.cassette.json
  $ baton run triage.yaml --replay triage.cassette.json --json`;

/**
 * `baton run <workflow>`: runs a workflow file to its end, journaled in the store, with a live
 * view on a terminal and one line per event otherwise.
 *
 * @example
 * ```ts
 * program.addCommand(createRunCommand());
 * ```
 */
export function createRunCommand(): Command {
  const command = withModuleRootOption(
    withModelOptions(
      withCommonOptions(
        new Command('run')
          .description('run a workflow file and print its output')
          .argument('<workflow>', 'YAML or JSON workflow file, or a .ts/.js module exporting a definition')
          .option('--input <key=value>', 'an input field (JSON or text); repeat for more', collectInput)
          .option('--input-file <file.json>', 'the input as a JSON object; --input fields override it')
          .option('--budget <usd>', 'fail the run once its cost passes this many US dollars', parseBudget)
          .option(
            '--allow-unpriced',
            'let a --budget run call models that have no price (their cost is not counted)',
          )
          .option('--show-outputs', "print each step's output, cut to one line, when it ends")
          .option(
            '--detach',
            'with --db postgres://...: journal the run and queue its first steps for `baton worker`, then exit',
          )
          .option('--queue <name>', 'with --detach: the queue its steps go to (default "default")'),
      ),
    ),
  ).addHelpText('after', examples);
  return setAction<RunCommandOptions>(command, async ({ output, options, args }) => {
    const definition = await loadWorkflowFile(args[0] ?? '', moduleOptions(options));
    const unnamed = definition.modulePath === undefined ? unnamedModuleNote(definition.file) : undefined;
    if (unnamed !== undefined) output.note(`note: ${unnamed}`);
    const input = runInput(options);
    if (options.detach) return detach(output, options, definition, input);
    const models = await modelsForRun(options);
    checkMockModel(definition.workflow.steps, models.usesMock, options.mock === true);
    noteMockModel(output, definition.workflow.steps, models.usesMock);
    const undefinedNote = models.noteUndefined(
      modelNamesOf(definition.workflow.steps, definition.workflow.defaults?.model),
    );
    if (undefinedNote) output.note(undefinedNote);
    const opened = openStore({ db: options.db, create: true });
    try {
      await rememberWorkflowFile(opened, hashWorkflow(definition.workflow), definition.file);
      const engine = await engineFor(opened, {
        models: models.resolver,
        tools: definition.tools,
        workflows: { [definition.workflow.name]: definition },
      });
      const { exitCode } = await runSession({
        output,
        workflowName: definition.workflow.name,
        steps: definition.workflow.steps,
        ...(options.showOutputs ? { showOutputs: true } : {}),
        start: (session) =>
          engine.run(definition, {
            ...session,
            cache: models.cache,
            ...(input === undefined ? {} : { input }),
            ...(options.budget === undefined
              ? {}
              : { budget: { maxCostUsd: options.budget, allowUnpriced: options.allowUnpriced === true } }),
          }),
      });
      return exitCode;
    } finally {
      models.finish();
      await opened.close();
    }
  });
}

/** `--detach`: the run is journaled and its first steps queued; workers run it, nothing runs here. */
async function detach(
  output: CliOutput,
  options: RunCommandOptions,
  definition: WorkflowDefinition,
  input: unknown,
): Promise<ExitCode> {
  if (!isPostgresUrl(options.db)) {
    throw new BatonError('INPUT_INVALID', '--detach needs a PostgreSQL journal that workers share.', {
      hint: 'Pass --db postgres://host/database and start workers with `baton worker <workflow> --db ...`.',
    });
  }
  const opened = await openDistributed(options.db, [definition]);
  try {
    const { runId } = await opened.runs.start(definition, {
      ...(input === undefined ? {} : { input }),
      ...(options.queue === undefined ? {} : { queue: options.queue }),
    });
    if (output.json) output.data({ runId, status: 'running' });
    else output.line(`Run ${runId} queued for the workers. Follow it with: baton show ${runId} --db ...`);
    return ExitCode.ok;
  } finally {
    await opened.close();
  }
}
