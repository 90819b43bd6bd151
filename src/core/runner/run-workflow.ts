import { createHash, randomBytes } from 'node:crypto';
import { BatonError, type SerializedError, serializeError, toBatonError } from '../errors.js';
import type { BatonEvent, EventListener } from '../events.js';
import { renderMapping } from '../expressions/render-template.js';
import { assertValidWorkflow, validateWorkflow } from '../ir/validate-workflow.js';
import type { Workflow, WorkflowDefinition } from '../ir/workflow.js';
import type { RunRecord, RunStatus, StepRecord, Usage } from '../ports/store.js';
import { canonicalJson } from './canonical-json.js';
import type { PendingAnswer } from './code-context.js';
import { executeGraph } from './execute-graph.js';
import { checkAgainstSchema } from './output-schema.js';
import { requireRun } from './require-run.js';
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
}

/** What a run ended with. A failed run names the step, its attempts, the error and the step's input. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  output?: unknown;
  error?: SerializedError;
  /** For a `waiting` run: the instances waiting on a person, and when the earliest deadline passes. */
  waiting?: Waiting;
  usage: Usage;
  costUsd: number;
  /** Some model calls had no price: `costUsd` counts only the priced ones. */
  unpriced?: boolean;
  durationMs: number;
}

const validated = new WeakSet<Workflow>();

/** Starts a new run of a workflow definition and resolves when it ends. */
export async function runWorkflow(
  services: EngineServices,
  definition: WorkflowDefinition,
  options: RunOptions = {},
): Promise<RunResult> {
  const record = await createRunRecord(services, definition, options);
  return continueRun(services, definition, record, new Map(), options);
}

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
  const input = workflow.input
    ? checkAgainstSchema(options.input ?? {}, workflow.input, 'INPUT_INVALID')
    : (options.input ?? {});
  const record: RunRecord = {
    id: options.runId ?? newRunId(),
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

/**
 * Runs (or runs again) a journaled run: instances in `replay` keep their recorded outcome and only
 * the rest execute. Used by a new run, by resume after a crash, and by replay from a step.
 */
export async function continueRun(
  services: EngineServices,
  definition: WorkflowDefinition,
  record: RunRecord,
  replay: ReadonlyMap<string, StepRecord>,
  options: RunOptions,
): Promise<RunResult> {
  const release = await leaseRun(services, record.id, options.takeover === true);
  try {
    return await executeRun(services, definition, record, replay, options);
  } finally {
    await release();
  }
}

/**
 * Holds the run's lease while it executes, so a second process that tries to resume it is
 * refused instead of running the same steps at once. Returns the function that lets it go.
 */
async function leaseRun(
  services: EngineServices,
  runId: string,
  takeover: boolean,
): Promise<() => Promise<void>> {
  const { store, owner, leaseMs, clock } = services;
  if (!store.claimRun) return async () => {};
  const claim = (now: number) =>
    store.claimRun?.(runId, owner, clock.now() + leaseMs, now) ?? Promise.resolve(true);
  // A takeover claims as if every lease had expired.
  if (!(await claim(takeover ? Number.MAX_SAFE_INTEGER : clock.now()))) {
    throw new BatonError('STORE_CONFLICT', `Run ${runId} is being run by another process.`, {
      hint: `Wait for it to finish; if that process has stopped, its lease ends within ${Math.ceil(leaseMs / 1000)} s, or resume with --takeover.`,
    });
  }
  // Each renewal also looks for a cancel recorded by another process (`baton cancel`).
  const renewLease = async () => {
    await claim(clock.now());
    if ((await store.getRun(runId))?.status === 'cancelled') {
      services.active.get(runId)?.abort(
        new BatonError('RUN_CANCELLED', `Run ${runId} was cancelled by another process.`, {
          hint: `Resume it with \`baton resume ${runId}\`.`,
        }),
      );
    }
  };
  const renew = setInterval(() => void renewLease().catch(() => {}), Math.max(1, Math.floor(leaseMs / 3)));
  renew.unref();
  return async () => {
    clearInterval(renew);
    await store.releaseRun?.(runId, owner);
  };
}

async function executeRun(
  services: EngineServices,
  definition: WorkflowDefinition,
  record: RunRecord,
  replay: ReadonlyMap<string, StepRecord>,
  options: RunOptions,
): Promise<RunResult> {
  if (record.status !== 'running') await services.store.updateRun(record.id, { status: 'running' });
  const controller = new AbortController();
  services.active.set(record.id, controller);
  const cancel = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', cancel, { once: true });
  if (options.signal?.aborted) cancel();
  const listeners = [...services.listeners, ...(options.onEvent ? [options.onEvent] : [])];
  const emit: EventListener = (event: BatonEvent) => {
    for (const listener of listeners) listener(event);
  };
  const run: RunState = {
    id: record.id,
    definition,
    services,
    signal: controller.signal,
    replay,
    emit,
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
      const mapping = definition.workflow.output;
      output =
        mapping === undefined
          ? graph.outputs
          : await renderMapping(
              mapping,
              { ...scope, steps: graph.outputs },
              { functions: definition.functions },
            );
      status = 'succeeded';
    }
  } catch (thrown) {
    const failure = toBatonError(thrown, 'STEP_FAILED');
    status = failure.code === 'RUN_CANCELLED' || controller.signal.aborted ? 'cancelled' : 'failed';
    error = serializeError(failure);
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    services.active.delete(record.id);
  }
  const ended = services.clock.now();
  const patch: Parameters<typeof services.store.updateRun>[1] = {
    status,
    usage: run.usage,
    costUsd: run.costUsd,
  };
  if (status !== 'waiting') patch.endedAt = ended;
  if (output !== undefined) patch.output = output;
  if (error !== undefined) patch.error = error;
  await services.store.updateRun(run.id, patch);
  const result: RunResult = {
    runId: run.id,
    status,
    usage: run.usage,
    costUsd: run.costUsd,
    durationMs: ended - started,
  };
  if (output !== undefined) result.output = output;
  if (error !== undefined) result.error = error;
  if (waiting !== undefined) result.waiting = waiting;
  if (run.unpriced) result.unpriced = true;
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
  return result;
}

/**
 * Cancels a run: at once when it runs in this process; otherwise the journal marks it cancelled
 * and the process running it stops at its next lease renewal (within a third of the lease).
 */
export async function cancelRun(
  services: EngineServices,
  runId: string,
): Promise<'stopped' | 'marked' | 'ended'> {
  const local = services.active.get(runId);
  if (local) {
    local.abort(
      new BatonError('RUN_CANCELLED', `Run ${runId} was cancelled.`, {
        hint: `Resume it with \`baton resume ${runId}\`.`,
      }),
    );
    return 'stopped';
  }
  const run = await requireRun(services.store, runId);
  if (run.status !== 'running' && run.status !== 'waiting') return 'ended';
  await services.store.updateRun(runId, { status: 'cancelled', endedAt: services.clock.now() });
  return 'marked';
}

/** Resumes a run whose process stopped: finished instances are reused, the rest run again. */
export async function resumeRun(
  services: EngineServices,
  runId: string,
  options: Omit<RunOptions, 'input' | 'runId'> & { definition?: WorkflowDefinition } = {},
): Promise<RunResult> {
  const record = await requireRun(services.store, runId);
  const steps = await services.store.listSteps(runId);
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
    // An agent that runs again replays its journaled turns, which add their usage back.
    if (step.kind === 'agent' && !reusable(step)) continue;
    // A waiting step runs again and counts what its journaled calls spent then.
    if (step.status === 'waiting') continue;
    usage.inputTokens += step.usage?.inputTokens ?? 0;
    usage.outputTokens += step.usage?.outputTokens ?? 0;
    usage.cachedInputTokens += step.usage?.cachedInputTokens ?? 0;
    costUsd += step.costUsd ?? 0;
  }
  return continueRun(services, definition, { ...record, usage, costUsd }, replay, options);
}

/**
 * The definition a run started with. A registered definition with the same hash brings its
 * TypeScript functions; otherwise the journaled snapshot runs as it is.
 */
function reusable(step: StepRecord): boolean {
  return (
    step.status === 'succeeded' ||
    step.status === 'skipped' ||
    (step.status === 'failed' && step.note !== undefined)
  );
}

function pinnedDefinition(
  services: EngineServices,
  record: RunRecord,
  finished: ReadonlySet<string>,
  given?: WorkflowDefinition,
): WorkflowDefinition {
  const candidate = given ?? services.workflows.get(record.workflowName);
  if (candidate && hashWorkflow(candidate.workflow) === record.workflowHash) return candidate;
  const pinned = { workflow: record.definition, functions: candidate?.functions ?? {} };
  // A workflow built in TypeScript names functions the journal cannot hold: say so now, not at
  // the first step that needs one.
  // Only steps that will run again need theirs.
  const missing = validateWorkflow(pinned.workflow, pinned.functions).problems.filter(
    (problem) =>
      problem.message.startsWith('Function ') &&
      !finished.has(pinned.workflow.steps[Number(problem.path[1])]?.id ?? ''),
  );
  if (missing.length > 0) {
    throw new BatonError(
      'FUNCTION_NOT_FOUND',
      `Run ${record.id} needs TypeScript functions this engine does not have: ${missing.map((problem) => problem.message).join(' ')}`,
      {
        hint: `Pass { definition } to resume, or register the workflow as "${record.workflowName}" in createBaton({ workflows }).`,
      },
    );
  }
  return pinned;
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
export function newRunId(): string {
  return `run_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}
