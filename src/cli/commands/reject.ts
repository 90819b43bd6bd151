import { Command } from 'commander';
import { setAction, withCommonOptions } from '../command-action.js';
import { type ContinueOptions, continueRun, workflowOption } from '../continue-run.js';
import { withModelOptions } from '../models/run-models.js';
import { decider } from './approve.js';

interface RejectCommandOptions extends ContinueOptions {
  reason: string;
  by?: string;
}

/**
 * `baton reject <run> <step> --reason`: rejects a waiting approval step and continues the run,
 * which fails with APPROVAL_REJECTED unless the step's onError routes the rejection.
 *
 * @example
 * ```ts
 * program.addCommand(createRejectCommand());
 * ```
 */
export function createRejectCommand(): Command {
  const command = withModelOptions(
    withCommonOptions(
      new Command('reject')
        .description('reject a waiting approval step and continue the run')
        .argument('<run>', 'run id')
        .argument('<step>', 'path of the waiting approval step')
        .requiredOption('--reason <text>', 'why, kept with the decision')
        .option('--by <name>', 'who decides (default: the user name)')
        .option(...workflowOption),
    ),
  ).addHelpText('after', '\nExample:\n  $ baton reject run_m1abc review --reason "the total is wrong"');
  return setAction<RejectCommandOptions>(command, async ({ output, options, args }) => {
    const [runId = '', path = ''] = args;
    return continueRun(output, options, runId, (engine, run, session) =>
      engine.reject(run.id, path, { by: options.by ?? decider(), reason: options.reason }, session),
    );
  });
}
