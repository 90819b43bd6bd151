import { Command } from 'commander';
import { setAction, withCommonOptions } from '../command-action.js';
import { type ContinueOptions, continueRun, workflowOption } from '../continue-run.js';
import { withModelOptions } from '../models/run-models.js';
import { collectInput, runInput } from '../parse-options.js';

interface ReplayCommandOptions extends ContinueOptions {
  from: string;
  input?: Record<string, unknown>;
  inputFile?: string;
}

/**
 * `baton replay <run> --from <step>`: a new run that reuses the earlier run's outputs upstream
 * of a step and runs that step and everything after it again, optionally with new input.
 *
 * @example
 * ```ts
 * program.addCommand(createReplayCommand());
 * ```
 */
export function createReplayCommand(): Command {
  const command = withModelOptions(
    withCommonOptions(
      new Command('replay')
        .description('start a new run from an earlier one, running again from a step onwards')
        .argument('<run>', 'the earlier run id')
        .requiredOption(
          '--from <step>',
          'the top-level step to run again; everything downstream of it runs too',
        )
        .option('--input <key=value>', 'an input field for the new run; repeat for more', collectInput)
        .option('--input-file <file.json>', 'the new input as a JSON object')
        .option(...workflowOption),
    ),
  ).addHelpText('after', '\nExample:\n  $ baton replay run_m1abc --from summarize --input tone=formal');
  return setAction<ReplayCommandOptions>(command, async ({ output, options, args }) => {
    return continueRun(output, options, args[0] ?? '', async (engine, run, session) => {
      const changed = runInput(options);
      // New fields are laid over the earlier input, so one --input changes one field.
      const input =
        changed === undefined ? undefined : { ...(run.input as Record<string, unknown>), ...changed };
      return engine.replay(run.id, {
        from: options.from,
        ...session,
        ...(input === undefined ? {} : { input }),
      });
    });
  });
}
