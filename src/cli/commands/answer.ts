import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { BatonError } from '../../core/index.js';
import { setAction, withCommonOptions } from '../command-action.js';
import { type ContinueOptions, continueRun, workflowOption } from '../continue-run.js';
import { withModelOptions } from '../models/run-models.js';
import { readJsonFile } from '../parse-options.js';
import { decider } from './approve.js';

interface AnswerCommandOptions extends ContinueOptions {
  value: string;
  key?: string;
  by?: string;
}

/**
 * `baton answer <run> <step> --value <json|file.json>`: answers the question a waiting step asked
 * (`ctx.interrupt`) and continues the run. An answer the question's schema refuses exits 2 and
 * the run keeps waiting.
 *
 * @example
 * ```ts
 * program.addCommand(createAnswerCommand());
 * ```
 */
export function createAnswerCommand(): Command {
  const command = withModelOptions(
    withCommonOptions(
      new Command('answer')
        .description('answer the question a waiting step asked and continue the run')
        .argument('<run>', 'run id')
        .argument('<step>', 'path of the waiting step')
        .requiredOption('--value <json|file.json>', 'the answer: JSON text, or a file holding it')
        .option('--key <key>', 'the key of the question (checked against the one the step waits on)')
        .option('--by <name>', 'who answers (default: the user name)')
        .option(...workflowOption),
    ),
  ).addHelpText(
    'after',
    `\nExamples:\n  $ baton answer run_m1abc onboard --value '{"plan":"pro"}'\n  $ baton answer run_m1abc onboard --value answer.json --by ada`,
  );
  return setAction<AnswerCommandOptions>(command, async ({ output, options, args }) => {
    const [runId = '', path = ''] = args;
    const answer = {
      value: parseValue(options.value),
      by: options.by ?? decider(),
      ...(options.key === undefined ? {} : { key: options.key }),
    };
    return continueRun(output, options, runId, (engine, run, session) =>
      engine.answer(run.id, path, answer, session),
    );
  });
}

/** JSON text, or the name of a file that holds JSON. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (existsSync(text)) return readJsonFile(text, '--value');
    throw new BatonError('INPUT_INVALID', `--value ${text}: not JSON, and no such file.`, {
      hint: `Quote JSON for the shell (--value '{"field": 1}'), or name a .json file.`,
    });
  }
}
