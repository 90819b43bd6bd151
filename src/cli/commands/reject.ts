import { Command } from 'commander';
import { setAction, withCommonOptions } from '../command-action.js';
import { type ContinueOptions, continueRun, workflowOption } from '../continue-run.js';
import { withModelOptions } from '../models/run-models.js';
import { callOption, decider } from './approve.js';

interface RejectCommandOptions extends ContinueOptions {
  call?: string;
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
        .argument('<step>', 'path of the waiting approval step, or of the agent whose tool call waits')
        .option('--call <n>', "the agent's waiting tool call (may be left out when one waits)")
        .requiredOption('--reason <text>', 'why, kept with the decision')
        .option('--by <name>', 'who decides (default: the user name)')
        .option(...workflowOption),
    ),
  ).addHelpText(
    'after',
    '\nExamples:\n  $ baton reject run_m1abc review --reason "the total is wrong"\n  $ baton reject run_m1abc refund --call 5 --reason "too much"',
  );
  return setAction<RejectCommandOptions>(command, async ({ output, options, args }) => {
    const [runId = '', path = ''] = args;
    const decision = { by: options.by ?? decider(), reason: options.reason, ...callOption(options.call) };
    return continueRun(
      output,
      options,
      runId,
      (engine, run, session) => engine.reject(run.id, path, decision, session),
      (runs) => runs.decide(runId, path, { action: 'reject', ...decision }),
    );
  });
}
