import { Command } from 'commander';
import {
  type AttemptRecord,
  BatonError,
  deserializeError,
  isUnpriced,
  listWaiting,
  type ModelRecovery,
  modelRecoveriesOf,
  type RunRecord,
  type StepRecord,
  type Store,
  type WaitingItem,
} from '../../core/index.js';
import { runReportOf } from '../../observe/run-report.js';
import { requireRun } from '../cli-engine.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { ExitCode } from '../exit-codes.js';
import { openStore } from '../open-store.js';
import type { CliOutput } from '../output.js';
import { agentTurns, describeTurns, type TracedTurn } from '../render/agent-turns.js';
import {
  formatBytes,
  formatCost,
  formatCostOf,
  formatDuration,
  formatTime,
  formatUsage,
  formatValue,
  formatValueLine,
} from '../render/format.js';
import { describeRecoveries, summarizeRecoveries } from '../render/model-recoveries.js';
import { stepTree } from '../render/step-tree.js';
import { renderTable } from '../render/table.js';
import { waitingLines } from '../render/waiting-list.js';

interface ShowCommandOptions extends CommonOptions {
  step?: string;
  workflow?: string;
}

/**
 * `baton show <run>`: the run's step instances as a tree with status, attempts, duration, tokens,
 * cost and output size, and cost per model; `--step` prints one instance's full input and output.
 *
 * @example
 * ```ts
 * program.addCommand(createShowCommand());
 * ```
 */
export function createShowCommand(): Command {
  const command = withCommonOptions(
    new Command('show')
      .description('show a run: its step tree, attempts, tokens and cost; or one step in full')
      .argument('[run]', 'run id (see `baton runs`); default, or `last`: the newest run')
      .option('--workflow <name>', 'with no run id: the newest run of this workflow')
      .option(
        '--step <path>',
        "print this step instance's input, output, attempts and error (e.g. review[2]/check)",
      ),
  ).addHelpText(
    'after',
    '\nExamples:\n  $ baton show\n  $ baton show last --workflow triage\n  $ baton show run_m1abc\n  $ baton show run_m1abc --step "review[2]/check"',
  );
  return setAction<ShowCommandOptions>(command, async ({ output, options, args }) => {
    const opened = openStore({ db: options.db, create: false });
    try {
      const run = await findRun(opened, args[0], options.workflow);
      const steps = await opened.store.listSteps(run.id);
      if (options.step !== undefined) {
        const step = steps.find((candidate) => candidate.path === options.step);
        if (!step) {
          throw new BatonError('RUN_NOT_FOUND', `Run ${run.id} has no step instance "${options.step}".`, {
            hint: `Step instances: ${steps.map((candidate) => candidate.path).join(', ') || 'none'}.`,
          });
        }
        const attempts = await opened.store.listAttempts(run.id, step.path);
        const calls = await opened.store.listSubCalls(run.id, step.path);
        const turns = step.kind === 'agent' ? agentTurns(run.id, step.path, calls) : undefined;
        const recoveries = modelRecoveriesOf(calls);
        if (output.json) {
          output.data({ step, attempts, ...(turns ? { turns } : {}), ...recoveryFields(recoveries) });
        } else {
          printStep(output, step, attempts, turns, recoveries);
          await printQuestions(output, opened.store, run.id, [step]);
        }
        return ExitCode.ok;
      }
      const waiting = run.status === 'waiting' ? await listWaiting(opened.store, run.id) : [];
      const recoveries = new Map<string, ModelRecovery[]>();
      for (const step of steps) {
        const found = modelRecoveriesOf(await opened.store.listSubCalls(run.id, step.path));
        if (found.length > 0) recoveries.set(step.path, found);
      }
      if (output.json) {
        const { definition: _definition, ...summary } = run;
        const models = runReportOf(run, steps).models;
        const listed = steps.map((step) => ({ ...step, ...recoveryFields(recoveries.get(step.path) ?? []) }));
        output.data({ run: summary, steps: listed, models, ...(waiting.length ? { waiting } : {}) });
        return ExitCode.ok;
      }
      printRun(output, run, steps, recoveries);
      printWaiting(output, run.id, waiting);
      await printQuestions(output, opened.store, run.id, steps);
      return ExitCode.ok;
    } finally {
      await opened.close();
    }
  });
}

/** The run an id names; with no id, or `last`, the newest run (of `workflow`, when given). */
async function findRun(
  opened: ReturnType<typeof openStore>,
  id: string | undefined,
  workflow: string | undefined,
): Promise<RunRecord> {
  if (id !== undefined && id !== 'last') return requireRun(opened, id);
  const [newest] = await opened.store.listRuns({
    limit: 1,
    ...(workflow === undefined ? {} : { workflowName: workflow }),
  });
  if (newest) return newest;
  throw new BatonError(
    'RUN_NOT_FOUND',
    workflow === undefined ? 'There are no runs yet.' : `Workflow "${workflow}" has no runs yet.`,
    { hint: 'Start one with `baton run <workflow>`; `baton runs` lists the runs there are.' },
  );
}

/** A step's model retries and fallbacks as `--json` gives them (nothing when there were none). */
function recoveryFields(recoveries: ModelRecovery[]) {
  const retries = recoveries.filter((entry) => entry.type === 'retry');
  const fallbacks = recoveries.filter((entry) => entry.type === 'fallback');
  return {
    ...(retries.length ? { modelRetries: retries } : {}),
    ...(fallbacks.length ? { modelFallbacks: fallbacks } : {}),
  };
}

function printRun(
  output: CliOutput,
  run: RunRecord,
  steps: StepRecord[],
  recoveries: ReadonlyMap<string, ModelRecovery[]>,
): void {
  const took = run.endedAt === undefined ? 'not ended' : formatDuration(run.endedAt - run.createdAt);
  const report = runReportOf(run, steps);
  output.line(`Run ${run.id} · workflow ${run.workflowName} · ${run.status}`);
  output.line(
    `started ${formatTime(run.createdAt)} · took ${took} · ${formatUsage(run.usage)} · ${formatCostOf(run.costUsd, report.unpriced)}`,
  );
  if (report.unpriced) {
    output.line(
      `warning: calls to ${report.models
        .filter((entry) => entry.unpriced)
        .map((entry) => entry.model)
        .join(', ')} have no price; the cost leaves them out`,
    );
  }
  if (run.parentRunId !== undefined) output.line(`replayed from ${run.parentRunId}`);
  if (run.error) output.line(`error: ${deserializeError(run.error).describe()}`);
  output.line('');
  const nodes = stepTree(
    steps,
    run.definition.steps.map((step) => step.id),
  );
  const rows = nodes.map(({ record, label, depth }) => [
    `${'  '.repeat(depth)}${label}`,
    record?.kind ?? '',
    record?.status ?? '',
    record ? String(record.attempt) : '',
    record
      ? formatDuration(
          record.endedAt === undefined || record.startedAt === undefined
            ? undefined
            : record.endedAt - record.startedAt,
        )
      : '',
    record ? formatUsage(record.usage) : '',
    record?.costUsd !== undefined ? formatCost(record.costUsd) : record && isUnpriced(record) ? '?' : '',
    record?.outputSize === undefined ? '' : formatBytes(record.outputSize),
    [
      record?.model,
      record?.cached ? 'cached' : undefined,
      record?.note,
      record && summarizeRecoveries(recoveries.get(record.path) ?? []),
      record?.error && record.status === 'failed' ? record.error.code : undefined,
    ]
      .filter(Boolean)
      .join('  '),
  ]);
  for (const line of renderTable(
    ['step', 'kind', 'status', 'attempts', 'took', 'tokens', 'cost', 'output', ''],
    rows,
  ))
    output.line(line);
  const { models } = report;
  if (models.length > 0) {
    output.line('');
    const modelRows = models.map((entry) => [
      entry.model,
      String(entry.steps),
      entry.usage.inputTokens.toLocaleString('en-US'),
      entry.usage.outputTokens.toLocaleString('en-US'),
      formatCostOf(entry.costUsd, entry.unpriced),
    ]);
    for (const line of renderTable(['model', 'steps', 'in tok', 'out tok', 'cost'], modelRows))
      output.line(line);
  }
  output.line('');
  output.line(`Details of one step: baton show ${run.id} --step <path>`);
}

function printWaiting(output: CliOutput, runId: string, waiting: WaitingItem[]): void {
  // Questions are listed with their answers under "Questions".
  const lines = waitingLines(
    runId,
    waiting.filter((item) => item.kind !== 'question'),
  );
  if (lines.length === 0) return;
  output.line('');
  output.line('Waiting for a person:');
  for (const line of lines) output.line(line);
}

function abbreviate(value: unknown, width = 100): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
  const line = text.replace(/\s+/g, ' ');
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** The questions code steps and agents' tools asked (`ctx.interrupt`), each with its answer, who gave it and when. */
async function printQuestions(output: CliOutput, store: Store, runId: string, steps: StepRecord[]) {
  const lines: string[] = [];
  for (const step of steps) {
    if (step.kind !== 'transform' && step.kind !== 'tool' && step.kind !== 'agent') continue;
    const calls = await store.listSubCalls(runId, step.path);
    for (const asked of calls.filter((call) => call.kind === 'interrupt')) {
      const prompt = (asked.request as { prompt?: string } | undefined)?.prompt ?? '';
      const answer = calls.find((call) => call.kind === 'answer' && call.sequence === asked.sequence + 1);
      const given = answer?.response as { value: unknown; by: string; at: number } | undefined;
      lines.push(
        given
          ? `  ${step.path} · ${asked.name}: ${prompt} → ${formatValueLine(given.value, 120)} (by ${given.by}, ${formatTime(given.at)})`
          : `  ${step.path} · ${asked.name}: ${prompt} → waiting since ${formatTime(asked.createdAt)}: baton answer ${runId} ${step.path} --value '<json>'`,
      );
    }
  }
  if (lines.length === 0) return;
  output.line('');
  output.line('Questions:');
  for (const line of lines) output.line(line);
}

function printStep(
  output: CliOutput,
  step: StepRecord,
  attempts: AttemptRecord[],
  turns: TracedTurn[] | undefined,
  recoveries: ModelRecovery[],
): void {
  const took =
    step.endedAt === undefined || step.startedAt === undefined ? undefined : step.endedAt - step.startedAt;
  output.line(
    `Step ${step.path} (${step.kind}) · ${step.status} · ${step.attempt} attempt(s) · took ${formatDuration(took)}`,
  );
  const facts = [
    step.model && `model ${step.model}`,
    step.usage && formatUsage(step.usage),
    step.costUsd !== undefined ? formatCost(step.costUsd) : isUnpriced(step) && 'cost ? (unpriced)',
    step.note,
  ];
  const line = facts.filter(Boolean).join(' · ');
  if (line) output.line(line);
  for (const attempt of attempts) {
    const span =
      attempt.endedAt === undefined ? undefined : formatDuration(attempt.endedAt - attempt.startedAt);
    // An interrupted attempt ended when its process stopped; its end is when a resume noticed.
    const state =
      span === undefined
        ? 'running'
        : attempt.status === 'interrupted'
          ? `interrupted (noticed ${span} after it started)`
          : `${attempt.status} after ${span}`;
    output.line(
      `  attempt ${attempt.attempt}: ${state}${attempt.error ? ` · ${attempt.error.code}: ${attempt.error.message}` : ''}`,
    );
  }
  if (recoveries.length > 0) {
    output.line('Model retries and fallbacks:');
    for (const line of describeRecoveries(recoveries)) output.line(`  ${line}`);
  }
  output.line('');
  output.line('Input:');
  output.line(formatValue(step.input));
  if (turns?.length) {
    output.line('');
    output.line('Turns:');
    for (const line of describeTurns(turns, (value) => abbreviate(value))) output.line(`  ${line}`);
  }
  output.line('');
  output.line('Output:');
  output.line(formatValue(step.output));
  if (step.error) {
    output.line('');
    output.line(`Error: ${deserializeError(step.error).describe()}`);
  }
}
