import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BatonError, type RunRecord, type WorkflowDefinition } from '../../core/index.js';
import { captureContentFromEnvironment } from '../../observe/gen-ai-conventions.js';
import { exportRunTelemetry } from '../../observe/otlp-export.js';
import { loadTokens } from '../../server/auth.js';
import { startServer } from '../../server/serve.js';
import { webhooksFromEnvironment } from '../../server/webhooks.js';
import type { WorkflowCatalog } from '../../server/workflow-catalog.js';
import { checkMockModel } from '../cli-engine.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { openDistributed } from '../distributed-runs.js';
import { ExitCode } from '../exit-codes.js';
import { type ModelOptions, modelsForRun, withModelOptions } from '../models/run-models.js';
import { type ModuleRootOptions, moduleOptions, withModuleRootOption } from '../module-roots.js';
import { isPostgresUrl, type OpenedStore, openStore, withoutPassword } from '../open-store.js';
import { packageVersion } from '../package-version.js';
import { parsePositiveInteger } from '../parse-options.js';

interface ServeCommandOptions extends CommonOptions, ModelOptions, ModuleRootOptions {
  port: number;
  host: string;
  watch?: boolean;
  tokensFile?: string;
  cors?: string[];
  bodyLimit?: number;
  /** False with `--no-sweep`. */
  sweep?: boolean;
  workers?: boolean;
  queue?: string;
}

// The Studio is built into dist/ui; this file is dist/cli/commands/serve.js once built.
const studioFolder = fileURLToPath(new URL('../../ui', import.meta.url));

/**
 * `baton serve [folder]`: the HTTP API and the Studio on one port, over the same journal as the
 * other commands, serving the workflow files of a folder.
 *
 * @example
 * ```ts
 * program.addCommand(createServeCommand());
 * ```
 */
export function createServeCommand(): Command {
  const command = withModuleRootOption(
    withModelOptions(
      withCommonOptions(
        new Command('serve')
          .description('serve the HTTP API and the Studio for the workflow files of a folder')
          .argument('[folder]', 'the folder whose workflow files are served', '.')
          .option('--port <n>', 'the port to listen on (0 picks a free one)', (value) => Number(value), 4400)
          .option(
            '--host <address>',
            'the address to listen on; anything but loopback needs tokens',
            '127.0.0.1',
          )
          .option('--watch', 'reload the workflow files when one changes')
          .option(
            '--tokens-file <file>',
            'bearer tokens, one name:role:token a line (also BATON_SERVER_TOKENS)',
          )
          .option(
            '--cors <origin>',
            'let a web page from this origin call the API; repeat for more',
            (value: string, previous: string[] = []) => [...previous, value],
          )
          .option(
            '--no-sweep',
            'leave due approvals and abandoned runs alone (runs on workers are left to them anyway)',
          )
          .option(
            '--workers',
            'with --db postgres://...: queue the runs started here for `baton worker` instead of running them in this process',
          )
          .option('--queue <name>', 'with --workers: the queue their steps go to (default "default")')
          .option(
            '--body-limit <bytes>',
            'the largest request body accepted (default 1 MiB)',
            parsePositiveInteger,
          ),
      ),
    ),
  ).addHelpText(
    'after',
    '\nExamples:\n  $ baton serve examples --watch\n  $ BATON_SERVER_TOKENS=ana:approver:$(openssl rand -hex 24) baton serve . --host 0.0.0.0\n  $ baton serve workflows --db postgres://baton@db/baton --workers',
  );
  return setAction<ServeCommandOptions>(command, async ({ output, options, args }) => {
    const folder = resolve(args[0] ?? '.');
    if (options.queue !== undefined && !options.workers) {
      throw new BatonError('INPUT_INVALID', '--queue names the queue of --workers; it needs --workers.', {
        hint: 'Add --workers (with --db postgres://...), or leave --queue out.',
      });
    }
    const tokens = loadTokens({ environment: process.env.BATON_SERVER_TOKENS, file: options.tokensFile });
    const webhooks = webhooksFromEnvironment(process.env);
    const models = await modelsForRun(options);
    // Started for workers, runs are decided through the served files, found once the server has them.
    let catalog: WorkflowCatalog | undefined;
    const distributed = options.workers
      ? await openWorkers(options, (run) => catalog?.version(run.workflowHash)).catch((error) => {
          models.finish();
          throw error;
        })
      : undefined;
    const opened: OpenedStore = distributed
      ? {
          store: distributed.store,
          path: withoutPassword(options.db ?? ''),
          exists: true,
          close: distributed.close,
        }
      : openStore({ db: options.db, create: true });
    const webhookLog = opened.path.endsWith('.db')
      ? opened.path.replace(/\.db$/, '.webhooks.jsonl')
      : undefined;
    try {
      const running = await startServer({
        store: opened.store,
        folder,
        host: options.host,
        port: options.port,
        engine: { models: models.resolver, captureModelContent: captureContentFromEnvironment() },
        cache: models.cache,
        moduleRoots: [...(moduleOptions(options).moduleRoots ?? [])],
        // The workers' models run the steps of runs started for them, not this process's.
        ...(distributed
          ? {
              workers: {
                runs: distributed.runs,
                ...(options.queue === undefined ? {} : { queue: options.queue }),
              },
            }
          : {
              checkStart: (definition: WorkflowDefinition) =>
                checkMockModel(definition.workflow.steps, models.usesMock, options.mock === true),
            }),
        tokens,
        ...(webhooks ? { webhooks: { ...webhooks, ...(webhookLog ? { logFile: webhookLog } : {}) } } : {}),
        ...(existsSync(studioFolder) ? { uiFolder: studioFolder } : {}),
        ...(options.cors ? { corsOrigins: options.cors } : {}),
        ...(options.bodyLimit ? { bodyLimitBytes: options.bodyLimit } : {}),
        ...(options.watch ? { watch: true } : {}),
        ...(options.sweep === false ? { sweepIntervalMs: false as const } : {}),
        version: packageVersion(),
      });
      catalog = running.server.catalog;
      // Runs the server executes are exported like the CLI's when OTEL_EXPORTER_OTLP_* is set.
      const telemetry = await exportRunTelemetry(running.server.engine, {
        store: opened.store,
        version: packageVersion(),
      });
      const workflows = running.server.catalog.list();
      const invalid = workflows.filter((entry) => !entry.loaded);
      output.data({
        url: running.url,
        folder,
        journal: opened.path,
        workflows: workflows.length,
        invalid: invalid.length,
        runsOn: distributed ? 'workers' : 'this process',
      });
      output.line(`Baton is serving ${workflows.length} workflow(s) from ${folder} at ${running.url}`);
      if (distributed)
        output.note(
          `Runs started here are queued for workers (queue "${options.queue ?? 'default'}"): start them with \`baton worker <workflows...> --db ...\`.`,
        );
      for (const entry of invalid) {
        output.note(
          `warning: ${entry.file} does not load: ${entry.problems?.map((problem) => problem.message).join('; ')}`,
        );
      }
      if (!tokens.configured)
        output.note('No tokens configured: only this machine can connect, with full rights.');
      if (models.usesMock && !distributed)
        output.note('No model is configured: model steps answer from mock models.');
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      output.note('Stopping: runs in flight are left to resume.');
      await running.close();
      await telemetry?.end();
      return ExitCode.ok;
    } finally {
      models.finish();
      await opened.close();
    }
  });
}

/** The journal and queue of `--workers`, refused without a PostgreSQL journal the workers share. */
async function openWorkers(
  options: ServeCommandOptions,
  definitionFor: (run: RunRecord) => WorkflowDefinition | undefined,
) {
  if (!isPostgresUrl(options.db)) {
    throw new BatonError('INPUT_INVALID', '--workers needs a PostgreSQL journal that workers share.', {
      hint: 'Pass --db postgres://host/database and start workers with `baton worker <workflows...> --db ...`.',
    });
  }
  return openDistributed(options.db, [], definitionFor);
}
