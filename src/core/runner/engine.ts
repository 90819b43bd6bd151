import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventListener, StreamEvent } from '../events.js';
import { defaultExpressionLimits, type ExpressionLimits } from '../expressions/expression-limits.js';
import type { ApprovalRef, ApprovalsOf, InputOf, OutputOf } from '../ir/definition.js';
import type { WorkflowDefinition } from '../ir/workflow.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { ModelResolver } from '../ports/model-resolver.js';
import type { Store } from '../ports/store.js';
import type { ToolDefinition, ToolRegistry } from '../ports/tool-registry.js';
import { ConcurrencyGate } from '../scheduler/concurrency-gate.js';
import { coreStepHandlers } from '../steps/index.js';
import { prepareAnswer } from './answer-question.js';
import { type DecisionInput, decideWaiting } from './decide-tool-call.js';
import { defaultInputLimits, type InputLimits } from './input-limits.js';
import { prepareReplay, type ReplayOptions } from './replay-run.js';
import { resumableRun, resumeRun } from './resume-run.js';
import type { EngineServices, StepHandler } from './run-state.js';
import { cancelRun, continueRun, createRunRecord, type RunOptions, type RunResult } from './run-workflow.js';
import { type EventStreamOptions, streamEvents } from './stream-events.js';

export type ResumeOptions<D extends WorkflowDefinition = WorkflowDefinition> = Omit<
  RunOptions,
  'input' | 'runId'
> & {
  definition?: D;
  /** Take the run over even if another process holds its lease (that process is known to be gone). */
  takeover?: boolean;
};

/** Run options with the input a definition takes: required when the input has required fields. */
export type RunOptionsFor<D> = Omit<RunOptions, 'input'> &
  (Empty extends InputOf<D> ? { input?: InputOf<D> } : { input: InputOf<D> });

type Empty = Record<never, never>;
type RunArguments<D> = Empty extends InputOf<D> ? [options?: RunOptionsFor<D>] : [options: RunOptionsFor<D>];

/** An approval step of a definition: its id, or a reference from `approvalOf`. */
export type ApprovalStepOf<D extends WorkflowDefinition, ID extends string> = ID | ApprovalRef<D, ID>;

/** An approval, optionally with an edited subject of the approval's output type. */
export interface ApproveDecision<EDIT = unknown> {
  by?: string;
  comment?: string;
  edit?: EDIT;
}

/** A rejection and its reason. */
export interface RejectDecision {
  by?: string;
  reason: string;
}

/**
 * A run that has started: its id at once, its result when it ends, and its events as they happen.
 * The run executes whether or not anyone reads `result` or `events`.
 */
export interface RunHandle<OUTPUT = unknown> {
  readonly runId: string;
  /** Resolves when this execution ends (succeeded, failed, cancelled, or waiting on a person). */
  readonly result: Promise<RunResult<OUTPUT>>;
  /**
   * This execution's events, from its `run-start` to its `run-end` (journaled ones with `seq`,
   * live deltas between them). Each iteration starts again from the execution's first event.
   */
  readonly events: AsyncIterable<StreamEvent>;
  /** Cancels the run, as `engine.cancel(runId)`. */
  cancel(): Promise<'stopped' | 'marked' | 'ended'>;
}

export interface EngineOptions {
  store: Store;
  models?: ModelResolver;
  tools?: ToolRegistry | Record<string, ToolDefinition>;
  /** Workflows by name: called by `workflow` steps, and found again on resume. */
  workflows?: Record<string, WorkflowDefinition>;
  /** Leaf steps running at once in this process, across all runs. Default 64. */
  concurrency?: number;
  /** Named limits shared by all runs (`{ openai: 8 }`); a workflow's `limits` adds its own names. */
  limits?: Record<string, number>;
  clock?: Clock;
  random?: () => number;
  /** Extra step kinds, or replacements, by `kind`. */
  stepHandlers?: Record<string, StepHandler>;
  /** The name this engine leases runs under. Default `host:pid:random`. */
  owner?: string;
  /** Lease length on a run in ms; a process that dies frees its runs after this. Default 30 s. */
  leaseMs?: number;
  /**
   * How long a cancelled run waits for each step in flight to settle (a tool call finishing, a
   * model call aborting) before it journals the step as interrupted and lets the run go. Default 5 s.
   */
  cancelGraceMs?: number;
  /**
   * Called once for each event listener (`subscribe`, `onEvent`) that throws; the run goes on as
   * if the listener had returned. Default: a warning on stderr.
   */
  onListenerError?: (error: unknown) => void;
  /** Bounds on each expression evaluation. Default 5000 ms and depth 500. */
  expressionLimits?: Partial<ExpressionLimits>;
  /** Bounds on a run's input. Default 10 MB of JSON and depth 100. */
  inputLimits?: Partial<InputLimits>;
  /**
   * The largest step output, in bytes of JSON, a `step-end` event carries; a larger one is
   * referenced by `outputRef` (read it with `store.listSteps`). Default 65,536.
   */
  eventOutputLimit?: number;
  /**
   * Events each `events` reader may have queued before it falls behind: then live deltas are
   * dropped first, and it re-reads the journal from where it was. Default 10,000.
   */
  eventBufferSize?: number;
  /**
   * Put the messages sent to each model and its answer on the `model-call` event (`content`), so
   * a tracer can record them. Default false: prompts often hold personal data.
   */
  captureModelContent?: boolean;
}

/** A running engine: one per process, shared by every run so limits hold across them. */
export interface Engine {
  readonly services: EngineServices;
  /**
   * Checks the definition and the input (a bad one rejects with `WORKFLOW_INVALID` or
   * `INPUT_INVALID` before anything is journaled), journals the run, and resolves with its handle
   * at once; the run executes in the background.
   */
  start<D extends WorkflowDefinition>(
    definition: D,
    ...options: RunArguments<D>
  ): Promise<RunHandle<OutputOf<D>>>;
  /** Runs a definition to its end: `(await start(...)).result`. */
  run<D extends WorkflowDefinition>(
    definition: D,
    ...options: RunArguments<D>
  ): Promise<RunResult<OutputOf<D>>>;
  /** Continues a run that stopped (crash, cancel, failure, approval): finished steps are not redone. */
  startResume<D extends WorkflowDefinition = WorkflowDefinition>(
    runId: string,
    options?: ResumeOptions<D>,
  ): Promise<RunHandle<OutputOf<D>>>;
  /** `(await startResume(...)).result`. */
  resume<D extends WorkflowDefinition = WorkflowDefinition>(
    runId: string,
    options?: ResumeOptions<D>,
  ): Promise<RunResult<OutputOf<D>>>;
  /**
   * Approves a waiting approval step (optionally with an edited subject) and continues the run.
   * The step is an id, checked against a typed definition given in `options`, or a reference
   * from `approvalOf(definition, id)`; `edit` has the approval's output type. Nothing is recorded
   * when the run needs functions this engine does not have. With `call`, it decides a gated tool
   * call of an agent instead (an edit replaces its arguments). A refused decision (already
   * decided, an invalid edit) rejects before the handle resolves.
   */
  startApprove<
    D extends WorkflowDefinition = WorkflowDefinition,
    const ID extends keyof ApprovalsOf<D> & string = keyof ApprovalsOf<D> & string,
  >(
    runId: string,
    step: ApprovalStepOf<D, ID>,
    decision?: ApproveDecision<ApprovalsOf<D>[ID]> & { call?: number },
    options?: ResumeOptions<D>,
  ): Promise<RunHandle<OutputOf<D>>>;
  /** `(await startApprove(...)).result`. */
  approve<
    D extends WorkflowDefinition = WorkflowDefinition,
    const ID extends keyof ApprovalsOf<D> & string = keyof ApprovalsOf<D> & string,
  >(
    runId: string,
    step: ApprovalStepOf<D, ID>,
    decision?: ApproveDecision<ApprovalsOf<D>[ID]> & { call?: number },
    options?: ResumeOptions<D>,
  ): Promise<RunResult<OutputOf<D>>>;
  /** Rejects a waiting approval step and continues the run (the rejection may be routed by onError). */
  startReject<
    D extends WorkflowDefinition = WorkflowDefinition,
    const ID extends keyof ApprovalsOf<D> & string = keyof ApprovalsOf<D> & string,
  >(
    runId: string,
    step: ApprovalStepOf<D, ID>,
    decision: RejectDecision & { call?: number },
    options?: ResumeOptions<D>,
  ): Promise<RunHandle<OutputOf<D>>>;
  /** `(await startReject(...)).result`. */
  reject<
    D extends WorkflowDefinition = WorkflowDefinition,
    const ID extends keyof ApprovalsOf<D> & string = keyof ApprovalsOf<D> & string,
  >(
    runId: string,
    step: ApprovalStepOf<D, ID>,
    decision: RejectDecision & { call?: number },
    options?: ResumeOptions<D>,
  ): Promise<RunResult<OutputOf<D>>>;
  /**
   * Answers the question a waiting step asked with `ctx.interrupt` and continues the run. An
   * answer the journaled schema refuses is `INPUT_INVALID` before the handle resolves; one only
   * the step's own refinements refuse rejects `result`, and the run keeps waiting.
   */
  startAnswer<D extends WorkflowDefinition = WorkflowDefinition>(
    runId: string,
    path: string,
    answer: { value: unknown; by?: string; key?: string },
    options?: ResumeOptions<D>,
  ): Promise<RunHandle<OutputOf<D>>>;
  /** `(await startAnswer(...)).result`. */
  answer<D extends WorkflowDefinition = WorkflowDefinition>(
    runId: string,
    path: string,
    answer: { value: unknown; by?: string; key?: string },
    options?: ResumeOptions<D>,
  ): Promise<RunResult<OutputOf<D>>>;
  /** A new run that reuses an earlier run's outputs upstream of `from` and runs the rest. */
  startReplay(runId: string, options: ReplayOptions): Promise<RunHandle>;
  /** `(await startReplay(...)).result`. */
  replay(runId: string, options: ReplayOptions): Promise<RunResult>;
  /**
   * Cancels a run: `stopped` when it ran in this process, `marked` when another process runs it
   * (it stops at its next lease renewal), `ended` when it had already ended.
   */
  cancel(runId: string): Promise<'stopped' | 'marked' | 'ended'>;
  /**
   * A run's events: the journaled ones with `seq` above `after`, then live ones as they happen,
   * without a gap or a duplicate, whether the run executes in this process or in another one.
   * Ends at a `run-end` that nothing follows (a `waiting` one only without `follow`), or when
   * `signal` aborts. An unknown run rejects the first `next()` with `RUN_NOT_FOUND`.
   */
  events(runId: string, options?: EventStreamOptions): AsyncIterable<StreamEvent>;
  /** Listens to the events of every run; returns the function that stops listening. */
  subscribe(listener: EventListener): () => void;
}

/**
 * Creates an engine from its ports. `createBaton()` in the package root wires the defaults.
 *
 * @example
 * ```ts
 * const engine = createEngine({ store: new MemoryStore() });
 * const result = await engine.run({ workflow, functions: {} }, { input: { question: 'hi' } });
 * ```
 */
export function createEngine(options: EngineOptions): Engine {
  const listeners = new Set<EventListener>();
  const named = new Map<string, ConcurrencyGate>();
  const workflows = new Map(Object.entries(options.workflows ?? {}));
  const services: EngineServices = {
    store: options.store,
    models: options.models,
    tools: toRegistry(options.tools),
    workflows,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    gate: new ConcurrencyGate(options.concurrency ?? 64),
    namedGate(name, limit) {
      let gate = named.get(name);
      const configured =
        (options.limits && Object.hasOwn(options.limits, name) ? options.limits[name] : undefined) ?? limit;
      if (!gate && configured !== undefined) {
        gate = new ConcurrencyGate(configured);
        named.set(name, gate);
      }
      return gate;
    },
    handlers: { ...coreStepHandlers, ...options.stepHandlers },
    listeners,
    owner: options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseMs: options.leaseMs ?? 30_000,
    active: new Map(),
    feeds: new Map(),
    feedWaiters: new Map(),
    eventOutputLimit: options.eventOutputLimit ?? 65_536,
    eventBufferSize: options.eventBufferSize ?? 10_000,
    cancelGraceMs: options.cancelGraceMs ?? 5_000,
    onListenerError: options.onListenerError ?? warnListenerError,
    captureModelContent: options.captureModelContent === true,
    expressionLimits: { ...defaultExpressionLimits, ...options.expressionLimits },
    inputLimits: { ...defaultInputLimits, ...options.inputLimits },
  };
  // A run waiting on an approval with a deadline is resumed when the deadline passes, if this
  // process is still alive then; the timer does not keep the process alive.
  const wake = async (result: Promise<RunResult>, options: ResumeOptions | undefined): Promise<RunResult> => {
    const ended = await result;
    const wakeAt = ended.waiting?.wakeAt;
    if (wakeAt !== undefined) {
      // A real timer, like the lease heartbeat: a background wait must not move a test clock.
      const timer = setTimeout(
        () => {
          void wake(resumeRun(services, ended.runId, options), options).catch(() => {});
        },
        Math.max(0, wakeAt - services.clock.now()),
      );
      timer.unref();
    }
    return ended;
  };
  /**
   * The handle of an execution `execute` starts now. Its `events` wait for the execution to hold
   * the lease (they start at its first event), and rethrow its failure if it never does.
   */
  const launch = (
    runId: string,
    execute: (onStarted: (firstSeq: number) => void) => Promise<RunResult>,
    wakeOptions: ResumeOptions | undefined,
    finish: (result: RunResult) => RunResult = (result) => result,
  ): RunHandle<never> => {
    let begin: (firstSeq: number) => void = () => {};
    let fail: (error: unknown) => void = () => {};
    const started = new Promise<number>((resolve, reject) => {
      begin = resolve;
      fail = reject;
    });
    started.catch(() => {});
    const execution = execute(begin);
    execution.catch(fail);
    const result = wake(execution, wakeOptions).then(finish);
    // The run goes on whether or not the caller reads its result: a failure is never unhandled.
    result.catch(() => {});
    return {
      runId,
      result: result as Promise<RunResult<never>>,
      events: {
        [Symbol.asyncIterator]: () =>
          (async function* () {
            const firstSeq = await started;
            yield* streamEvents(services, runId, { after: firstSeq - 1 }, result);
          })(),
      },
      cancel: () => cancelRun(services, runId),
    };
  };
  const start: Engine['start'] = async (definition, ...runOptions) => {
    const options = runOptions[0] ?? {};
    const record = await createRunRecord(services, definition, options);
    return launch(
      record.id,
      (onStarted) =>
        continueRun(services, record.id, { ...options, onStarted }, async () => ({
          definition,
          record,
          replay: new Map(),
        })),
      undefined,
    );
  };
  const startResume: Engine['startResume'] = async (runId, options) => {
    // Refuses an unknown run, or one needing functions this engine lacks, before the handle exists.
    await resumableRun(services, runId, options?.definition);
    return launch(runId, (onStarted) => resumeRun(services, runId, { ...options, onStarted }), options);
  };
  const startDecision = async (
    runId: string,
    step: string | ApprovalRef,
    decision: DecisionInput,
    resumeOptions: ResumeOptions | undefined,
  ): Promise<RunHandle<never>> => {
    const [path, options] = decisionTarget(step, resumeOptions);
    await resumableRun(services, runId, options?.definition);
    await decideWaiting(services, runId, path, decision, options?.definition);
    return launch(runId, (onStarted) => resumeRun(services, runId, { ...options, onStarted }), options);
  };
  const startAnswer: Engine['startAnswer'] = async (runId, path, answer, resumeOptions) => {
    await resumableRun(services, runId, resumeOptions?.definition);
    const pending = await prepareAnswer(services, runId, path, answer);
    return launch(
      runId,
      (onStarted) => resumeRun(services, runId, { ...resumeOptions, answer: pending, onStarted }),
      resumeOptions,
      (result) => {
        if (pending.refusal) throw pending.refusal;
        return result;
      },
    );
  };
  const startReplay: Engine['startReplay'] = async (runId, replayOptions) => {
    const replay = await prepareReplay(services, runId, replayOptions);
    return launch(replay.runId, (onStarted) => replay.execute({ ...replayOptions, onStarted }), undefined);
  };
  const resultOf = async <T>(handle: Promise<RunHandle<T>>): Promise<RunResult<T>> => (await handle).result;
  return {
    services,
    start,
    run: (definition, ...runOptions) => resultOf(start(definition, ...runOptions)),
    startResume,
    resume: (runId, options) => resultOf(startResume(runId, options)),
    startApprove: (runId, step, decision = {}, options) =>
      startDecision(runId, step, { action: 'approve', ...decision }, options),
    approve: (runId, step, decision = {}, options) =>
      resultOf(startDecision(runId, step, { action: 'approve', ...decision }, options)),
    startReject: (runId, step, decision, options) =>
      startDecision(runId, step, { action: 'reject', ...decision }, options),
    reject: (runId, step, decision, options) =>
      resultOf(startDecision(runId, step, { action: 'reject', ...decision }, options)),
    startAnswer,
    answer: (runId, path, answer, options) => resultOf(startAnswer(runId, path, answer, options)),
    startReplay,
    replay: (runId, options) => resultOf(startReplay(runId, options)),
    cancel: (runId) => cancelRun(services, runId),
    events: (runId, options) => ({
      [Symbol.asyncIterator]: () => streamEvents(services, runId, options),
    }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function warnListenerError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(
    `An event listener threw (its later errors are not reported): ${message}`,
    'BatonWarning',
  );
}

/** The path a decision is on, and the options to continue with (a reference brings its definition). */
function decisionTarget(
  step: string | ApprovalRef,
  options: ResumeOptions | undefined,
): [string, ResumeOptions | undefined] {
  if (typeof step === 'string') return [step, options];
  return [step.path, { ...options, definition: options?.definition ?? step.definition }];
}

function toRegistry(tools: EngineOptions['tools']): ToolRegistry {
  if (
    tools &&
    typeof (tools as ToolRegistry).get === 'function' &&
    typeof (tools as ToolRegistry).names === 'function'
  ) {
    return tools as ToolRegistry;
  }
  const map = new Map(Object.entries((tools ?? {}) as Record<string, ToolDefinition>));
  return { get: (name) => map.get(name), names: () => [...map.keys()] };
}
