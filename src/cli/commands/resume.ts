import { Command } from 'commander';
import { setAction, withCommonOptions } from '../command-action.js';
import { type ContinueOptions, continueRun, workflowOption } from '../continue-run.js';
import { withModelOptions } from '../models/run-models.js';

/**
 * `baton resume <run>`: continues a run that stopped (Ctrl-C, a crash, a failure): steps that
 * finished are taken from the journal and only the rest run.
 *
 * @example
 * ```ts
 * program.addCommand(createResumeCommand());
 * ```
 */
export function createResumeCommand(): Command {
  const command = withModelOptions(
    withCommonOptions(
      new Command('resume')
        .description('continue a stopped, failed or cancelled run without redoing finished steps')
        .argument('<run>', 'run id (see `baton runs`)')
        .option(...workflowOption)
        .option('--takeover', 'take the run over from a process that holds it but is known to be gone'),
    ),
  ).addHelpText(
    'after',
    '\nExamples:\n  $ baton resume run_m1abc\n  $ baton resume run_m1abc --takeover   # its process was killed less than a lease ago',
  );
  return setAction<ContinueOptions & { takeover?: boolean }>(command, async ({ output, options, args }) =>
    continueRun(
      output,
      options,
      args[0] ?? '',
      (engine, run, session) =>
        engine.resume(run.id, options.takeover ? { ...session, takeover: true } : session),
      (runs) => runs.resume(args[0] ?? ''),
    ),
  );
}
