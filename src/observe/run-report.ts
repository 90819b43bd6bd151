import type {
  RunRecord,
  RunStatus,
  SerializedError,
  StepRecord,
  StepStatus,
  Store,
  Usage,
} from '../core/index.js';
import { isUnpriced, requireRun } from '../core/index.js';

export interface StepReport {
  path: string;
  stepId: string;
  kind: string;
  status: StepStatus;
  attempts: number;
  durationMs: number | undefined;
  outputSize: number;
  model?: string;
  usage?: Usage;
  costUsd?: number;
  cached?: boolean;
  note?: string;
  error?: SerializedError;
}

export interface ModelReport {
  model: string;
  steps: number;
  usage: Usage;
  costUsd: number;
  /** Calls to this model had no price: `costUsd` leaves them out. */
  unpriced?: boolean;
}

/** The execution report of one run: what ran, how long, what it produced and cost. */
export interface RunReport {
  runId: string;
  workflow: string;
  status: RunStatus;
  parentRunId?: string;
  createdAt: number;
  endedAt?: number;
  durationMs: number | undefined;
  counts: Record<StepStatus, number>;
  usage: Usage;
  costUsd: number;
  /** Some model calls had no price: `costUsd` counts only the priced ones. */
  unpriced?: boolean;
  error?: SerializedError;
  steps: StepReport[];
  models: ModelReport[];
}

/**
 * Builds the report of a run from its journal, so it is the same for a run that just ended, one
 * that is waiting and one from last month.
 *
 * @example
 * ```ts
 * const report = await createRunReport(store, result.runId);
 * console.log(report.counts.succeeded, report.durationMs, report.models);
 * ```
 */
export async function createRunReport(store: Store, runId: string): Promise<RunReport> {
  return runReportOf(await requireRun(store, runId), await store.listSteps(runId));
}

/** The report of a run record and its step records. */
export function runReportOf(run: RunRecord, records: StepRecord[]): RunReport {
  const counts: Record<StepStatus, number> = {
    running: 0,
    waiting: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
  const models = new Map<string, ModelReport>();
  const steps = [...records]
    .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || (a.path < b.path ? -1 : 1))
    .map((record): StepReport => {
      counts[record.status]++;
      const step: StepReport = {
        path: record.path,
        stepId: record.stepId,
        kind: record.kind,
        status: record.status,
        attempts: record.attempt,
        durationMs:
          record.endedAt !== undefined && record.startedAt !== undefined
            ? record.endedAt - record.startedAt
            : undefined,
        outputSize: record.outputSize ?? 0,
      };
      if (record.model !== undefined) step.model = record.model;
      if (record.usage) step.usage = record.usage;
      if (record.costUsd !== undefined) step.costUsd = record.costUsd;
      if (record.cached) step.cached = true;
      if (record.note !== undefined) step.note = record.note;
      if (record.error) step.error = record.error;
      if (record.model !== undefined && record.usage) {
        const entry = models.get(record.model) ?? {
          model: record.model,
          steps: 0,
          usage: zero(),
          costUsd: 0,
        };
        entry.steps++;
        entry.usage = add(entry.usage, record.usage);
        entry.costUsd += record.costUsd ?? 0;
        if (isUnpriced(record)) entry.unpriced = true;
        models.set(record.model, entry);
      }
      return step;
    });
  const report: RunReport = {
    runId: run.id,
    workflow: run.workflowName,
    status: run.status,
    createdAt: run.createdAt,
    durationMs: run.endedAt === undefined ? undefined : run.endedAt - run.createdAt,
    counts,
    usage: run.usage,
    costUsd: run.costUsd,
    steps,
    models: [...models.values()].sort((a, b) => b.costUsd - a.costUsd),
  };
  if (records.some(isUnpriced)) report.unpriced = true;
  if (run.parentRunId !== undefined) report.parentRunId = run.parentRunId;
  if (run.endedAt !== undefined) report.endedAt = run.endedAt;
  if (run.error) report.error = run.error;
  return report;
}

function zero(): Usage {
  return { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
}

function add(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
  };
}
