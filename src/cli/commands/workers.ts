import { Command } from 'commander';
import { BatonError } from '../../core/index.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { openDistributed } from '../distributed-runs.js';
import { ExitCode } from '../exit-codes.js';
import { isPostgresUrl } from '../open-store.js';

/**
 * `baton workers`: the workers of a PostgreSQL journal (live or lately seen, with their queues,
 * workflow versions and counts) and the queued steps, each saying whether a live worker can run
 * it: a step of a workflow version no worker has waits here, visibly.
 *
 * @example
 * ```ts
 * program.addCommand(createWorkersCommand());
 * ```
 */
export function createWorkersCommand(): Command {
  const command = withCommonOptions(
    new Command('workers').description(
      'list the workers of a PostgreSQL journal and the steps queued for them',
    ),
  ).addHelpText('after', '\nExample:\n  $ baton workers --db postgres://baton@db/baton --json');
  return setAction<CommonOptions>(command, async ({ output, options }) => {
    if (!isPostgresUrl(options.db)) {
      throw new BatonError('INPUT_INVALID', 'baton workers reads the PostgreSQL journal the workers share.', {
        hint: 'Pass --db postgres://host/database.',
      });
    }
    const opened = await openDistributed(options.db);
    try {
      const overview = await opened.runs.overview();
      if (output.json) {
        output.data(overview);
        return ExitCode.ok;
      }
      for (const worker of overview.workers) {
        const versions = worker.workflows.map((workflow) => `${workflow.name}@${workflow.hash.slice(0, 8)}`);
        output.line(
          `${worker.live ? 'live' : 'gone'}  ${worker.id}  queues ${worker.queues.join(',')}  ${versions.join(' ')}  running ${worker.running}/${worker.concurrency}  committed ${worker.committed}`,
        );
      }
      if (overview.workers.length === 0) output.line('No workers.');
      for (const job of overview.jobs) {
        const state = job.lockedBy
          ? 'running'
          : job.runnable
            ? 'queued'
            : 'waiting for a worker with this version';
        output.line(
          `${job.run}  ${job.path}#${job.attempt}  ${job.queue}  ${job.workflowHash.slice(0, 8)}  ${new Date(job.runAt).toISOString()}  ${state}`,
        );
      }
      return ExitCode.ok;
    } finally {
      await opened.close();
    }
  });
}
