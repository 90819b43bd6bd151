import { Command } from 'commander';
import { engineFor, requireRun } from '../cli-engine.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { distributedFor } from '../distributed-runs.js';
import { ExitCode } from '../exit-codes.js';
import { openStore } from '../open-store.js';

/**
 * `baton cancel <run>`: cancels a run that is waiting or running. It can be resumed later.
 *
 * @example
 * ```ts
 * program.addCommand(createCancelCommand());
 * ```
 */
export function createCancelCommand(): Command {
  const command = withCommonOptions(
    new Command('cancel')
      .description('cancel a waiting or running run (it can be resumed later)')
      .argument('<run>', 'run id'),
  ).addHelpText('after', '\nExample:\n  $ baton cancel run_m1abc');
  return setAction<CommonOptions>(command, async ({ output, options, args }) => {
    const opened = openStore({ db: options.db, create: false });
    try {
      const run = await requireRun(opened, args[0] ?? '');
      if (run.status !== 'running' && run.status !== 'waiting') {
        if (output.json) output.data({ runId: run.id, status: run.status, cancelled: false });
        else output.line(`Run ${run.id} has already ended (${run.status}); nothing to cancel.`);
        return ExitCode.ok;
      }
      const distributed = await distributedFor(options.db, run.id);
      const outcome = distributed
        ? await distributed.runs.cancel(run.id).finally(() => distributed.close())
        : await (await engineFor(opened)).cancel(run.id);
      if (distributed) output.note('Workers running its steps stop them within a second.');
      if (!distributed && outcome === 'marked' && run.status === 'running') {
        output.note('The process running it stops at its next lease renewal (within about 10 s).');
      }
      if (output.json) output.data({ runId: run.id, status: 'cancelled', cancelled: true });
      else output.line(`Run ${run.id} cancelled. Resume it with: baton resume ${run.id}`);
      return ExitCode.ok;
    } finally {
      await opened.close();
    }
  });
}
