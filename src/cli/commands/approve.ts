import { userInfo } from 'node:os';
import { Command } from 'commander';
import { BatonError } from '../../core/index.js';
import { setAction, withCommonOptions } from '../command-action.js';
import { type ContinueOptions, continueRun, workflowOption } from '../continue-run.js';
import { withModelOptions } from '../models/run-models.js';
import { readJsonFile } from '../parse-options.js';

interface ApproveCommandOptions extends ContinueOptions {
  call?: string;
  edit?: string;
  comment?: string;
  by?: string;
}

/**
 * `baton approve <run> <step>`: approves a waiting approval step, optionally with an edited
 * subject, and continues the run in the foreground.
 *
 * @example
 * ```ts
 * program.addCommand(createApproveCommand());
 * ```
 */
export function createApproveCommand(): Command {
  const command = withModelOptions(
    withCommonOptions(
      new Command('approve')
        .description('approve a waiting approval step (optionally with edits) and continue the run')
        .argument('<run>', 'run id')
        .argument('<step>', 'path of the waiting approval step, or of the agent whose tool call waits')
        .option('--call <n>', "the agent's waiting tool call (may be left out when one waits)")
        .option(
          '--edit <file.json>',
          "approve this JSON instead of the subject as proposed (for a tool call: its arguments, checked against the tool's input schema)",
        )
        .option('--comment <text>', 'a note kept with the decision')
        .option('--by <name>', 'who decides (default: the user name)')
        .option(...workflowOption),
    ),
  ).addHelpText(
    'after',
    '\nExamples:\n  $ baton approve run_m1abc review\n  $ baton approve run_m1abc review --edit fixed.json --comment "fixed the total"\n  $ baton approve run_m1abc refund --call 5 --edit args.json',
  );
  return setAction<ApproveCommandOptions>(command, async ({ output, options, args }) => {
    const [runId = '', path = ''] = args;
    const edit = options.edit === undefined ? undefined : readJsonFile(options.edit, '--edit');
    const decision = {
      by: options.by ?? decider(),
      ...callOption(options.call),
      ...(options.comment === undefined ? {} : { comment: options.comment }),
      ...(edit === undefined ? {} : { edit }),
    };
    return continueRun(
      output,
      options,
      runId,
      (engine, run, session) => engine.approve(run.id, path, decision, session),
      (runs) => runs.decide(runId, path, { action: 'approve', ...decision }),
    );
  });
}

/** `--call <n>` as the decision's `call`, checked to be a call number. */
export function callOption(call: string | undefined): { call?: number } {
  if (call === undefined) return {};
  if (!/^\d+$/.test(call)) {
    throw new BatonError('INPUT_INVALID', `--call takes a call number, such as --call 5; got "${call}".`, {
      hint: 'The numbers of the waiting calls are printed when the run stops, and by `baton show <run>`.',
    });
  }
  return { call: Number(call) };
}

/** The person at the terminal, as journaled with a decision. */
export function decider(): string {
  return process.env.BATON_USER ?? userInfo().username;
}
