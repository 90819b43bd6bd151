import { createRunReport, type Store } from 'baton';

/** One step of an execution report: what ran, how it ended, how long it took, how much it produced. */
export interface ExecutionStep {
  name: string;
  index: number;
  status: string;
  duration_ms: number | undefined;
  output_size: number;
  attempts: number;
  model?: string;
  error?: string;
}

/** The execution report of a chain, in the shape of a hand-written chain monitor. */
export interface ExecutionReport {
  id: string;
  status: string;
  total_duration_ms: number | undefined;
  steps_completed: number;
  steps_failed: number;
  steps_skipped: number;
  cost_usd: number;
  steps_detail: ExecutionStep[];
}

/**
 * The execution report of a run, read from the journal. Nothing in the workflow logs anything:
 * the engine journals every step with its timings, attempts, output size, tokens and cost, and
 * `createRunReport` reads them back, for a run that just ended or one from last month.
 *
 * @example
 * ```ts
 * const result = await baton.run(definition, { input });
 * console.log(await executionReport(store, result.runId));
 * ```
 */
export async function executionReport(store: Store, runId: string): Promise<ExecutionReport> {
  const report = await createRunReport(store, runId);
  return {
    id: report.runId,
    status: report.status,
    total_duration_ms: report.durationMs,
    steps_completed: report.counts.succeeded,
    steps_failed: report.counts.failed,
    steps_skipped: report.counts.skipped,
    cost_usd: report.costUsd,
    steps_detail: report.steps.map((step, index) => ({
      name: step.path,
      index,
      status: step.status,
      duration_ms: step.durationMs,
      output_size: step.outputSize,
      attempts: step.attempts,
      ...(step.model === undefined ? {} : { model: step.model }),
      ...(step.error === undefined ? {} : { error: `${step.error.code}: ${step.error.message}` }),
    })),
  };
}
