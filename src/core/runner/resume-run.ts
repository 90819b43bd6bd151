import { BatonError } from '../errors.js';
import type { WorkflowDefinition } from '../ir/workflow.js';
import type { RunRecord, StepRecord } from '../ports/store.js';
import { missingFunctions } from './needed-functions.js';
import { requireRun } from './require-run.js';
import type { RunLease } from './run-lease.js';
import type { EngineServices } from './run-state.js';
import { continueRun, hashWorkflow, type RunOptions, type RunResult } from './run-workflow.js';

/** Step kinds whose model calls are journaled, and replayed with their usage when they run again. */
const replayedKinds = new Set<string>(['agent', 'transform', 'tool']);

/**
 * Resumes a run whose process stopped: finished instances are reused, the rest run again.
 * Everything is read once the lease is held; attempts a stopped process left `running` are closed
 * as `interrupted` with the time this resume noticed.
 */
export async function resumeRun(
  services: EngineServices,
  runId: string,
  options: Omit<RunOptions, 'input' | 'runId'> & { definition?: WorkflowDefinition } = {},
): Promise<RunResult> {
  await requireRun(services.store, runId);
  return continueRun(services, runId, options, async (lease) => {
    const { store } = services;
    const record = await requireRun(store, runId);
    const steps = await store.listSteps(runId);
    await closeInterruptedAttempts(services, runId, steps, lease);
    const finished = new Set(
      steps.filter((step) => !step.path.includes('/') && reusable(step)).map((step) => step.path),
    );
    const definition = pinnedDefinition(services, record, finished, options.definition);
    // Ended instances are reused; one that failed without an onError policy runs again, so resuming
    // a failed run retries it. Unfinished ones stay in the map for their attempt count.
    const replay = new Map<string, StepRecord>();
    for (const step of steps) replay.set(step.path, reusable(step) ? step : { ...step, status: 'running' });
    // The run record is written when the run ends; after a crash its steps know what was spent.
    const usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
    let costUsd = 0;
    for (const step of steps) {
      // A step that runs again replays its journaled model calls (an agent's turns, a code step's
      // `ctx.generate`), which add their usage back.
      if (replayedKinds.has(step.kind) && !reusable(step)) continue;
      // A waiting step runs again and counts what its journaled calls spent then.
      if (step.status === 'waiting') continue;
      usage.inputTokens += step.usage?.inputTokens ?? 0;
      usage.outputTokens += step.usage?.outputTokens ?? 0;
      usage.cachedInputTokens += step.usage?.cachedInputTokens ?? 0;
      costUsd += step.costUsd ?? 0;
    }
    return { definition, record: { ...record, usage, costUsd }, replay };
  });
}

/**
 * Checks that this engine can continue a journaled run: throws `FUNCTION_NOT_FOUND` when steps
 * still to run name functions it does not have. Called before a decision is recorded, so a
 * process that cannot continue the run leaves it as it was.
 */
export async function resumableRun(
  services: EngineServices,
  runId: string,
  given?: WorkflowDefinition,
): Promise<void> {
  const record = await requireRun(services.store, runId);
  const steps = await services.store.listSteps(runId);
  const finished = new Set(
    steps.filter((step) => !step.path.includes('/') && reusable(step)).map((step) => step.path),
  );
  pinnedDefinition(services, record, finished, given);
}

async function closeInterruptedAttempts(
  services: EngineServices,
  runId: string,
  steps: readonly StepRecord[],
  lease: RunLease,
): Promise<void> {
  const open = (await services.store.listAttempts(runId)).filter((attempt) => attempt.status === 'running');
  if (open.length === 0) return;
  const byPath = new Map(steps.map((step) => [step.path, step]));
  const now = services.clock.now();
  const writes: Array<Promise<void>> = [];
  for (const attempt of open) {
    const step = byPath.get(attempt.path);
    if (!step) continue;
    writes.push(
      services.store.writeStep(step, { ...attempt, status: 'interrupted', endedAt: now }, lease.fence),
    );
  }
  await Promise.all(writes);
}

/** Whether a journaled instance ended for good, so continuing the run reuses it without running it. */
export function reusable(step: StepRecord): boolean {
  return (
    step.status === 'succeeded' ||
    step.status === 'skipped' ||
    (step.status === 'failed' && step.handled !== undefined)
  );
}

/**
 * The definition a run started with. A registered definition with the same hash brings its
 * TypeScript functions; otherwise the journaled snapshot runs as it is.
 */
export function pinnedDefinition(
  services: EngineServices,
  record: RunRecord,
  finished: ReadonlySet<string>,
  given?: WorkflowDefinition,
): WorkflowDefinition {
  const candidate = given ?? services.workflows.get(record.workflowName);
  const pinned =
    candidate && hashWorkflow(candidate.workflow) === record.workflowHash
      ? candidate
      : { workflow: record.definition, functions: candidate?.functions ?? {} };
  // A workflow built in TypeScript names functions the journal cannot hold: say so now, before
  // anything is recorded, not at the first step that needs one. Finished steps need none.
  const missing = missingFunctions(pinned.workflow, pinned.functions, finished);
  if (missing.length > 0) {
    throw new BatonError(
      'FUNCTION_NOT_FOUND',
      `Run ${record.id} needs TypeScript functions this engine does not have: ${missing.map((name) => `"${name}"`).join(', ')}.`,
      {
        hint: `Pass { definition } to resume, or register the workflow as "${record.workflowName}" in createBaton({ workflows }).`,
      },
    );
  }
  return pinned;
}
