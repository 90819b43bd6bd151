import { Command } from 'commander';
import { createAnswerCommand } from './commands/answer.js';
import { createApproveCommand } from './commands/approve.js';
import { createCancelCommand } from './commands/cancel.js';
import { createEvalCommand } from './commands/eval.js';
import { createModelsCommand } from './commands/models.js';
import { createPlanCommand } from './commands/plan.js';
import { createRejectCommand } from './commands/reject.js';
import { createReplayCommand } from './commands/replay.js';
import { createResumeCommand } from './commands/resume.js';
import { createRunCommand } from './commands/run.js';
import { createRunsCommand } from './commands/runs.js';
import { createServeCommand } from './commands/serve.js';
import { createShowCommand } from './commands/show.js';
import { createValidateCommand } from './commands/validate.js';
import { createWorkerCommand } from './commands/worker.js';
import { createWorkersCommand } from './commands/workers.js';
import { packageVersion } from './package-version.js';

/**
 * The `baton` program: every subcommand with its options and `--help`.
 *
 * @example
 * ```ts
 * await createProgram().parseAsync(['node', 'baton', 'validate', 'triage.yaml']);
 * ```
 */
export function createProgram(): Command {
  const program = new Command('baton')
    .description('Run, inspect and resume multi-step LLM workflows.')
    .version(packageVersion(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 run failed, 2 usage or validation error, 3 waiting for a person, 4 eval inconclusive, 130 cancelled.',
    );
  const commands = [
    createRunCommand(),
    createValidateCommand(),
    createPlanCommand(),
    createRunsCommand(),
    createShowCommand(),
    createResumeCommand(),
    createCancelCommand(),
    createReplayCommand(),
    createApproveCommand(),
    createRejectCommand(),
    createAnswerCommand(),
    createModelsCommand(),
    createEvalCommand(),
    createServeCommand(),
    createWorkerCommand(),
    createWorkersCommand(),
  ];
  for (const command of commands) program.addCommand(command);
  return program;
}
