import { createHash, randomBytes } from 'node:crypto';
import { BatonError, type SerializedError, serializeError, toBatonError } from '../errors.js';
import type { EventListener } from '../events.js';
import { renderMapping } from '../expressions/render-template.js';
import { assertValidWorkflow } from '../ir/validate-workflow.js';
import type { Workflow, WorkflowDefinition } from '../ir/workflow.js';
import type { RunRecord, RunStatus, StepRecord, Usage } from '../ports/store.js';
import { canonicalJson } from './canonical-json.js';
import type { PendingAnswer } from './code-context.js';
import { executeGraph } from './execute-graph.js';
import { checkInputLimits } from './input-limits.js';
import { checkAgainstSchema } from './output-schema.js';
import { requireRun } from './require-run.js';
import { openRunFeed, type RunFeed } from './run-events.js';
import { type RunLease, takeLease } from './run-lease.js';
import type { Budget, EngineServices, RunState, Waiting } from './run-state.js';

export interface RunOptions {
  input?: unknown;
  /** Take the run over even if another process holds its lease. */
  takeover?: boolean;
  /** Read and write the cache of model calls and cacheable steps. Default true. */
  cache?: boolean;
  /** Cancels the run; steps in flight are aborted and the run can be resumed later. */
  signal?: AbortSignal;
  onEvent?: EventListener;
  budget?: Budget;
  runId?: string;
  parentRunId?: string;
  /** An answer to a waiting question, brought by `engine.answer`. */
  answer?: PendingAnswer;
  /**
   * Called once the run holds its lease, with the seq its first event will have: a handle's
   * `events` starts there. @internal
   */
  onStarted?: (firstSeq: number) => void;
}

interface RunResultBase {
  runId: string;
  usage: Usage;
  costUsd: number;
  /** Some model calls had no price: `costUsd` counts only the priced ones. */
  unpriced?: boolean;
  durationMs: number;
}

/**
 * What a run ended with, told apart by `status`: a succeeded run has its `output` (typed by a
 * typed definition), a waiting run the instances waiting on a person and when the earliest
 * deadline passes, a failed or cancelled run its error, naming the step, its attempts and input.
 */
export type RunResult<OUTPUT = unknown> =
  | (RunResultBase & { status: 'succeeded'; output: OUTPUT; error?: undefined; waiting?: undefined })
  | (RunResultBase & { status: 'waiting'; waiting: Waiting; output?: undefined; error?: undefined })
  | (RunResultBase & {
      status: 'failed' | 'cancelled';
      error: SerializedError;
      output?: undefined;
      waiting?: undefined;
    });

const validated = new WeakSet<Workflow>();

/** Validates the definition and the input, and journals a new run. */
export async function createRunRecord(
  services: EngineServices,
  definition: WorkflowDefinition,
  options: RunOptions,
): Promise<RunRecord> {
  const workflow = definition.workflow;
  if (!validated.has(workflow)) {
    assertValidWorkflow(workflow, definition.functions);
    validated.add(workflow);
  }
  checkInputLimits(options.input, services.inputLimits);
  const input = workflow.input
    ? checkAgainstSchema(options.input ?? {}, workflow.input, 'INPUT_INVALID')
    : (options.input ?? {});
  const record: RunRecord = {
    id: options.runId ?? newRunId(services.clock.now()),
    workflowName: workflow.name,
    workflowHash: hashWorkflow(workflow),
    definition: workflow,
    input,
    status: 'running',
    createdAt: services.clock.now(),
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    costUsd: 0,
  };
  if (options.parentRunId !== undefined) record.parentRunId = options.parentRunId;
  await services.store.createRun(record);
  return record;
}

/** What a run executes with once its lease is held: read after claiming, so it is current. */
export interface PreparedRun {
  definition: WorkflowDefinition;
  record: RunRecord;
  replay: ReadonlyMap<string, StepRecord>;
}

/**
 * Runs (or runs again) a journaled run under its lease: `prepare` reads what the run continues
 * from only once the lease is held, so no step another process finished meanwhile runs again.
 * Instances in `replay` keep their recorded outcome and only the rest execute. Used by a new run,
 * by resume after a crash, and by replay from a step. The lease is released only after every
 * step has settled.
 */
export async function continueRun(
  services: EngineServices,
  runId: string,
  options: RunOptions,
  prepare: (lease: RunLease) => Promise<PreparedRun>,
): Promise<RunResult> {
  if (services.active.has(runId)) {
    throw new BatonError('STORE_CONFLICT', `Run ${runId} is already running in this process.`, {
      hint: 'Wait for it to end, or cancel it first.',
    });
  }
  const controller = new AbortController();
  let settle = () => {};
  const ended = new Promise<void>((resolve) => {
    settle = resolve;
  });
  services.active.set(runId, { controller, ended });
  try {
    // Each renewal also looks for a cancel recorded by another process (`baton cancel`).
    const lease = await takeLease(
      services,
      runId,
      options.takeover === true,
      (lost) => controller.abort(lost),
      async () => {
        if ((await services.store.getRun(runId))?.status === 'cancelled') {
          controller.abort(
            new BatonError('RUN_CANCELLED', `Run ${runId} was cancelled by another process.`, {
              hint: `Resume it with \`baton resume ${runId}\`.`,
            }),
          );
        }
      },
    );
    let feed: RunFeed | undefined;
    try {
      const prepared = await prepare(lease);
      feed = await openRunFeed(services, runId, lease.fence, options.onEvent);
      options.onStarted?.(feed.seq + 1);
      return await executeRun(services, prepared, options, controller, lease, feed);
    } finally {
      feed?.end();
      await lease.release();
    }
  } finally {
    services.active.delete(runId);
    settle();
  }
}

async function executeRun(
  services: EngineServices,
  { definition, record, replay }: PreparedRun,
  options: RunOptions,
  controller: AbortController,
  lease: RunLease,
  feed: RunFeed,
): Promise<RunResult> {
  const fence = lease.fence;
  // A run continued after a crash, a cancel or a failure is running again, without its old error.
  if (record.status !== 'running' || record.error !== undefined || record.endedAt !== undefined) {
    await services.store.updateRun(record.id, { status: 'running', endedAt: null, error: null }, fence);
  }
  const cancel = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', cancel, { once: true });
  if (options.signal?.aborted) cancel();
  const emit = feed.emit;
  const run: RunState = {
    id: record.id,
    definition,
    services,
    signal: controller.signal,
    replay,
    emit,
    lease,
    journal: {
      writeStep: (step, attempt) => services.store.writeStep(step, attempt, fence),
      writeSubCall: (call) => services.store.writeSubCall(call, fence),
    },
    usage: { ...record.usage },
    costUsd: record.costUsd,
    unpriced: [...replay.values()].some(isUnpriced),
    budget: options.budget,
    cache: options.cache !== false,
    answer: options.answer,
  };
  const started = services.clock.now();
  emit({
    type: 'run-start',
    runId: run.id,
    workflow: record.workflowName,
    time: started,
    resumed: replay.size > 0,
  });
  const scope = { input: record.input, steps: {}, run: { id: run.id, workflow: record.workflowName } };
  let status: RunStatus;
  let output: unknown;
  let error: SerializedError | undefined;
  let waiting: Waiting | undefined;
  try {
    const graph = await executeGraph(
      run,
      definition.workflow.steps,
      '',
      scope,
      controller.signal,
      definition.functions,
    );
    if (graph.waiting) {
      waiting = graph.waiting;
      status = 'waiting';
    } else {
      output = await runOutput(services, definition, scope, graph.outputs, controller.signal);
      status = 'succeeded';
    }
  } catch (thrown) {
    const failure = toBatonError(thrown, 'STEP_FAILED');
    status =
      failure.code === 'RUN_CANCELLED' || (controller.signal.aborted && !lease.lost) ? 'cancelled' : 'failed';
    error = serializeError(failure);
  } finally {
    options.signal?.removeEventListener('abort', cancel);
  }
  // A process that lost the run writes nothing more: the new holder carries it on.
  if (lease.lost) throw lease.lost;
  const ended = services.clock.now();
  const patch: Parameters<typeof services.store.updateRun>[1] = {
    status,
    usage: run.usage,
    costUsd: run.costUsd,
  };
  if (status !== 'waiting') patch.endedAt = ended;
  if (output !== undefined) patch.output = output;
  if (error !== undefined) patch.error = error;
  await services.store.updateRun(run.id, patch, fence);
  const base: RunResultBase = {
    runId: run.id,
    usage: run.usage,
    costUsd: run.costUsd,
    durationMs: ended - started,
  };
  if (run.unpriced) base.unpriced = true;
  const result: RunResult =
    status === 'succeeded'
      ? { ...base, status, output }
      : status === 'waiting'
        ? { ...base, status, waiting: waiting ?? { paths: [] } }
        : {
            ...base,
            status: status === 'cancelled' ? status : 'failed',
            error: error ?? serializeError(new BatonError('STEP_FAILED', 'The run failed.')),
          };
  emit({
    type: 'run-end',
    runId: run.id,
    status,
    time: ended,
    durationMs: ended - started,
    usage: run.usage,
    costUsd: run.costUsd,
    ...(run.unpriced ? { unpriced: true } : {}),
    ...(error ? { error } : {}),
  });
  // The run-end is in the journal before the result is: a reader that saw the result finds it there.
  await feed.close();
  return result;
}

/** A finished run's output: the workflow's `output` mapping over its steps' outputs, or those outputs. */
export function runOutput(
  services: EngineServices,
  definition: WorkflowDefinition,
  scope: { input: unknown; run: { id: string; workflow: string } },
  outputs: Record<string, unknown>,
  signal: AbortSignal,
): Promise<unknown> | Record<string, unknown> {
  const mapping = definition.workflow.output;
  if (mapping === undefined) return outputs;
  return renderMapping(
    mapping,
    { ...scope, steps: outputs },
    { functions: definition.functions, signal, limits: services.expressionLimits },
  );
}

/**
 * Cancels a run. In this process: aborts its steps, waits for them to settle (each gets the
 * engine's cancel grace period), journals the run `cancelled` and releases its lease before it
 * resolves. In another process: the journal marks it cancelled, and that process stops at its
 * next lease renewal (within a third of the lease) the same way, holding the lease until it has.
 */
export async function cancelRun(
  services: EngineServices,
  runId: string,
): Promise<'stopped' | 'marked' | 'ended'> {
  const local = services.active.get(runId);
  if (local) {
    local.controller.abort(
      new BatonError('RUN_CANCELLED', `Run ${runId} was cancelled.`, {
        hint: `Resume it with \`baton resume ${runId}\`.`,
      }),
    );
    await local.ended;
    return 'stopped';
  }
  const run = await requireRun(services.store, runId);
  if (run.status !== 'running' && run.status !== 'waiting') return 'ended';
  await services.store.updateRun(runId, { status: 'cancelled', endedAt: services.clock.now() });
  return 'marked';
}

const hashes = new WeakMap<Workflow, string>();

/** sha256 of the workflow as canonical JSON (keys sorted), so formatting does not change it. */
export function hashWorkflow(workflow: Workflow): string {
  let hash = hashes.get(workflow);
  if (hash === undefined) {
    hash = createHash('sha256').update(canonicalJson(workflow)).digest('hex');
    hashes.set(workflow, hash);
  }
  return hash;
}

/** Whether a step made model calls that had no price (it has usage but no cost). */
export function isUnpriced(step: StepRecord): boolean {
  return (
    step.costUsd === undefined &&
    step.usage !== undefined &&
    step.usage.inputTokens + step.usage.outputTokens > 0
  );
}

/** Run ids sort by creation time: a base-36 timestamp and random bytes. */
export function newRunId(now: number): string {
  return `run_${now.toString(36)}${randomBytes(5).toString('hex')}`;
}
