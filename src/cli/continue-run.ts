import {
  BatonError,
  type Engine,
  type ResumeOptions,
  type RunRecord,
  type RunResult,
} from '../core/index.js';
import type { CommitResult, DistributedRuns } from '../distributed/index.js';
import { checkMockModel, engineFor, modelNamesOf, noteMockModel, requireRun } from './cli-engine.js';
import type { CommonOptions } from './command-action.js';
import { distributedFor } from './distributed-runs.js';
import { ExitCode } from './exit-codes.js';
import { type ModelOptions, modelsForRun } from './models/run-models.js';
import { openStore } from './open-store.js';
import type { CliOutput } from './output.js';
import { runSession } from './run-session.js';
import { definitionForRun } from './workflow-files.js';

/** Options of the commands that continue a journaled run. */
export interface ContinueOptions extends CommonOptions, ModelOptions {
  workflow?: string;
}

/**
 * Continues a journaled run in the foreground (resume, approve, reject, replay): finds its
 * definition and module, builds the engine, and runs `action` in a run session.
 */
export async function continueRun(
  output: CliOutput,
  options: ContinueOptions,
  runId: string,
  action: (engine: Engine, run: RunRecord, session: ResumeOptions) => Promise<RunResult>,
  onWorkers?: (runs: DistributedRuns) => Promise<CommitResult>,
): Promise<ExitCode> {
  // A run started for workers continues on them: this process only records and enqueues.
  const distributed = onWorkers && (await distributedFor(options.db, runId));
  if (distributed) {
    try {
      const { status, dispatched } = await onWorkers(distributed.runs);
      const steps = dispatched.map((entry) => entry.path);
      if (output.json) output.data({ runId, status, queued: steps });
      else
        output.line(
          `Run ${runId} continues on the workers (${status}; queued: ${steps.join(', ') || 'none'}).`,
        );
      return ExitCode.ok;
    } finally {
      await distributed.close();
    }
  }
  const models = await modelsForRun(options);
  const opened = openStore({ db: options.db, create: false });
  try {
    const run = await requireRun(opened, runId);
    const { definition, tools, source } = await definitionForRun(opened, run, options.workflow);
    if (source.startsWith('the journaled definition')) output.note(`Continuing with ${source}.`);
    checkMockModel(definition.workflow.steps, models.usesMock, options.mock === true);
    noteMockModel(output, definition.workflow.steps, models.usesMock);
    const undefinedNote = models.noteUndefined(
      modelNamesOf(definition.workflow.steps, definition.workflow.defaults?.model),
    );
    if (undefinedNote) output.note(undefinedNote);
    const engine = await engineFor(opened, {
      models: models.resolver,
      tools,
      workflows: { [definition.workflow.name]: definition },
    });
    const { exitCode } = await runSession({
      output,
      workflowName: definition.workflow.name,
      steps: definition.workflow.steps,
      start: (session) =>
        action(engine, run, { ...session, definition, cache: models.cache }).catch((error: unknown) => {
          throw explainMissingFunctions(error, run);
        }),
    });
    return exitCode;
  } finally {
    models.finish();
    await opened.close();
  }
}

/** Adds `--workflow`, for a run whose workflow file moved or whose module the journal cannot name. */
export const workflowOption = [
  '--workflow <file>',
  'the workflow file the run was started from, to load its functions and tools',
] as const;

/**
 * A run built in TypeScript names functions the journal cannot hold; the engine refuses before it
 * records anything. The CLI says how to load them.
 */
function explainMissingFunctions(error: unknown, run: RunRecord): unknown {
  if (!BatonError.is(error, 'FUNCTION_NOT_FOUND')) return error;
  return new BatonError(
    'FUNCTION_NOT_FOUND',
    `${error.message} Nothing was recorded; the run is unchanged.`,
    {
      cause: error,
      hint: `Load the module that defines workflow "${run.workflowName}" with --workflow <file> (the .ts or .js file exporting its definition, or its YAML file).`,
    },
  );
}
