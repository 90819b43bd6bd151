import { Command } from 'commander';
import { loadWorkflowFile } from '../../authoring/yaml/index.js';
import { BatonError } from '../../core/index.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { openDistributed } from '../distributed-runs.js';
import { ExitCode } from '../exit-codes.js';
import { type ModelOptions, modelsForRun, withModelOptions } from '../models/run-models.js';
import { type ModuleRootOptions, moduleOptions, withModuleRootOption } from '../module-roots.js';
import { isPostgresUrl } from '../open-store.js';
import { parsePositiveInteger } from '../parse-options.js';

interface WorkerCommandOptions extends CommonOptions, ModelOptions, ModuleRootOptions {
  concurrency?: number;
  queues?: string;
  leaseMs?: number;
  healthInterval?: number;
}

const examples = `
Examples:
  $ baton worker triage.yaml report.yaml --db postgres://baton@db/baton --concurrency 8
  $ baton worker triage.yaml --db postgres://baton@db/baton --queues urgent,default
  $ baton run triage.yaml --db postgres://baton@db/baton --detach --input ticket="My invoice is wrong"`;

/**
 * `baton worker <workflows...>`: runs the steps of runs queued in a PostgreSQL journal (`baton
 * run --detach`, the API, `baton serve`), for the workflow versions it loaded. Prints its health
 * as one JSON line at start, every `--health-interval` seconds and at exit; SIGTERM or SIGINT
 * stops it gracefully: running attempts finish, or are handed back to the queue after a grace.
 *
 * @example
 * ```ts
 * program.addCommand(createWorkerCommand());
 * ```
 */
export function createWorkerCommand(): Command {
  const command = withModuleRootOption(
    withModelOptions(
      withCommonOptions(
        new Command('worker')
          .description('run the queued steps of runs in a PostgreSQL journal, for the workflows given')
          .argument(
            '<workflows...>',
            'the workflow files (YAML, JSON or modules) whose runs this worker takes',
          )
          .option('--concurrency <n>', 'step attempts run at once (default 4)', parsePositiveInteger)
          .option('--queues <names>', 'comma-separated queues to take steps from (default "default")')
          .option(
            '--lease-ms <ms>',
            'how long a step stays leased without renewal; a worker silent this long is taken for stopped (default 15000)',
            parsePositiveInteger,
          )
          .option('--health-interval <s>', 'seconds between health lines (default 10)', parsePositiveInteger),
      ),
    ),
  ).addHelpText('after', examples);
  return setAction<WorkerCommandOptions>(command, async ({ output, options, args }) => {
    if (!isPostgresUrl(options.db)) {
      throw new BatonError(
        'INPUT_INVALID',
        'baton worker needs the PostgreSQL journal the runs are queued in.',
        {
          hint: 'Pass --db postgres://host/database (the one `baton run --detach` and `baton serve` use).',
        },
      );
    }
    // A variadic argument arrives as one list.
    const files = args.flat();
    const definitions = await Promise.all(
      files.map((file) => loadWorkflowFile(file, moduleOptions(options))),
    );
    const opened = await openDistributed(options.db, definitions);
    const { createWorker, sharedRateLimiters } = await import('../../distributed/index.js');
    // Provider rate limits hold across every worker of the journal.
    const models = await modelsForRun(options, sharedRateLimiters(opened.store)).catch(async (error) => {
      await opened.close();
      throw error;
    });
    try {
      const worker = await createWorker({
        store: opened.store,
        connectionString: opened.connectionString,
        workflows: definitions,
        models: models.resolver,
        tools: Object.assign({}, ...definitions.map((definition) => definition.tools ?? {})),
        queues: (options.queues ?? 'default')
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
        ...(opened.queueSchema === undefined ? {} : { queueSchema: opened.queueSchema }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      });
      const report = () => process.stdout.write(`${JSON.stringify({ worker: worker.health() })}\n`);
      report();
      const timer = setInterval(report, (options.healthInterval ?? 10) * 1000);
      await new Promise<void>((resolve) => {
        const stop = () => {
          clearInterval(timer);
          void worker.stop().then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      report();
      output.note(`Worker ${worker.id} stopped.`);
      return ExitCode.ok;
    } finally {
      models.finish();
      await opened.close();
    }
  });
}
