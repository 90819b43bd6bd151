import type { Engine, RunOptions, RunResult, Store, WorkflowDefinition } from '../core/index.js';

/**
 * Runs a definition under a fixed run id, or reuses the journaled run of that id: an ended run is
 * read back (no model call), a run that was interrupted is resumed without redoing finished steps.
 * This is what makes an eval resumable and a second run of it free.
 */
export function runOrReuse(
  services: { engine: Engine; store: Store },
  definition: WorkflowDefinition,
  runId: string,
  options: Omit<RunOptions, 'runId'>,
): Promise<RunResult> {
  // Two cells can ask the same judge the same question at once: they share one run.
  const running = inFlight.get(runId);
  if (running) return running;
  const result = startOrReuse(services, definition, runId, options).finally(() => inFlight.delete(runId));
  inFlight.set(runId, result);
  return result;
}

const inFlight = new Map<string, Promise<RunResult>>();

async function startOrReuse(
  services: { engine: Engine; store: Store },
  definition: WorkflowDefinition,
  runId: string,
  options: Omit<RunOptions, 'runId'>,
): Promise<RunResult> {
  const existing = await services.store.getRun(runId);
  if (existing === undefined) return services.engine.run(definition, { ...options, runId, cache: false });
  // A cell stopped by the eval's budget or a cancel did not finish: it is resumed, not reused.
  const unfinished =
    existing.status === 'failed' &&
    (existing.error?.code === 'BUDGET_EXCEEDED' || existing.error?.code === 'RUN_CANCELLED');
  if (
    !unfinished &&
    (existing.status === 'succeeded' || existing.status === 'failed' || existing.status === 'waiting')
  ) {
    return {
      runId,
      status: existing.status,
      ...(existing.output === undefined ? {} : { output: existing.output }),
      ...(existing.error === undefined ? {} : { error: existing.error }),
      usage: existing.usage,
      costUsd: existing.costUsd,
      durationMs: (existing.endedAt ?? existing.createdAt) - existing.createdAt,
    };
  }
  const { input: _input, ...rest } = options;
  return services.engine.resume(runId, { ...rest, definition, takeover: true, cache: false });
}
