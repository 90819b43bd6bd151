import { Command, Option } from 'commander';
import {
  isUnpriced,
  listWaiting,
  type RunFilter,
  type RunStatus,
  type WaitingItem,
} from '../../core/index.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { ExitCode } from '../exit-codes.js';
import { openStore } from '../open-store.js';
import { parsePositiveInteger, parseSince } from '../parse-options.js';
import { formatCostOf, formatDuration, formatTime, formatUsage } from '../render/format.js';
import { renderTable } from '../render/table.js';
import { waitingLines } from '../render/waiting-list.js';

interface RunsCommandOptions extends CommonOptions {
  workflow?: string;
  status?: RunStatus;
  since?: number;
  limit: number;
}

const statuses: RunStatus[] = ['running', 'waiting', 'succeeded', 'failed', 'cancelled'];

/**
 * `baton runs`: the journaled runs, newest first, with their status, duration, tokens and cost;
 * then, for each waiting run, what it waits on with the commands that decide or answer it.
 *
 * @example
 * ```ts
 * program.addCommand(createRunsCommand());
 * ```
 */
export function createRunsCommand(): Command {
  const command = withCommonOptions(
    new Command('runs')
      .description('list journaled runs, newest first')
      .option('--workflow <name>', 'only runs of this workflow')
      .addOption(new Option('--status <status>', 'only runs with this status').choices(statuses))
      .option(
        '--since <date>',
        'only runs started after a date (2024-05-01) or within an age (12h, 7d)',
        (value) => parseSince(value),
      )
      .option('--limit <n>', 'at most this many runs', parsePositiveInteger, 20),
  ).addHelpText(
    'after',
    '\nExamples:\n  $ baton runs --status failed --since 24h\n  $ baton runs --workflow triage --limit 5 --json',
  );
  return setAction<RunsCommandOptions>(command, async ({ output, options }) => {
    const opened = openStore({ db: options.db, create: false });
    try {
      const filter: RunFilter = { limit: options.limit };
      if (options.workflow !== undefined) filter.workflowName = options.workflow;
      if (options.status !== undefined) filter.status = options.status;
      if (options.since !== undefined) filter.since = options.since;
      const runs = await opened.store.listRuns(filter);
      const waiting = new Map<string, WaitingItem[]>();
      for (const run of runs) {
        if (run.status === 'waiting') waiting.set(run.id, await listWaiting(opened.store, run.id));
      }
      if (output.json) {
        output.data(
          runs.map(({ definition: _definition, input: _input, output: _output, ...summary }) => ({
            ...summary,
            durationMs: summary.endedAt === undefined ? undefined : summary.endedAt - summary.createdAt,
            ...(waiting.has(summary.id) ? { waiting: waiting.get(summary.id) } : {}),
          })),
        );
        return ExitCode.ok;
      }
      if (runs.length === 0) {
        output.line(opened.exists ? 'No runs match.' : `No runs yet (no journal at ${opened.path}).`);
        return ExitCode.ok;
      }
      // A run's cost leaves out calls to unpriced models; its steps say which.
      const unpriced = await Promise.all(
        runs.map(async (run) => (await opened.store.listSteps(run.id)).some(isUnpriced)),
      );
      const rows = runs.map((run, index) => [
        run.id,
        run.workflowName,
        run.status,
        formatTime(run.createdAt),
        run.endedAt === undefined ? '-' : formatDuration(run.endedAt - run.createdAt),
        formatUsage(run.usage),
        formatCostOf(run.costUsd, unpriced[index]),
        run.error
          ? `${run.error.code}${run.error.stepPath ? ` at ${run.error.stepPath}` : ''}`
          : describeWaiting(waiting.get(run.id)),
      ]);
      for (const line of renderTable(
        ['run', 'workflow', 'status', 'started', 'took', 'tokens', 'cost', ''],
        rows,
      ))
        output.line(line);
      for (const [runId, items] of waiting) {
        const lines = waitingLines(runId, items);
        if (lines.length === 0) continue;
        output.line('');
        output.line(`Run ${runId} waits for a person:`);
        for (const line of lines) output.line(line);
      }
      return ExitCode.ok;
    } finally {
      await opened.close();
    }
  });
}

/** What a waiting run waits on, in one cell: `refund call 5 (process_credit), review`. */
export function describeWaiting(items: WaitingItem[] | undefined): string {
  if (!items?.length) return '';
  const what = items.map((item) =>
    item.kind === 'tool-call'
      ? `${item.path} call ${item.call} (${item.tool})`
      : item.kind === 'question'
        ? `${item.path} (question ${item.key})`
        : item.path,
  );
  return `waits on ${what.join(', ')}`;
}
