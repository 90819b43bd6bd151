import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventListener } from '../events.js';
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
import { decideWaiting } from './decide-tool-call.js';
import { defaultInputLimits, type InputLimits } from './input-limits.js';
import { type ReplayOptions, replayRun } from './replay-run.js';
import { resumableRun, resumeRun } from './resume-run.js';
import type { EngineServices, StepHandler } from './run-state.js';
import { cancelRun, type RunOptions, type RunResult, runWorkflow } from './run-workflow.js';

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
   * Put the messages sent to each model and its answer on the `model-call` event (`content`), so
   * a tracer can record them. Default false: prompts often hold personal data.
   */
  captureModelContent?: boolean;
}

/** A running engine: one per process, shared by every run so limits hold across them. */
export interface Engine {
  readonly services: EngineServices;
  /** Runs a definition to its end; a typed definition checks the input and types the output. */
  run<D extends WorkflowDefinition>(
    definition: D,
    ...options: RunArguments<D>
  ): Promise<RunResult<OutputOf<D>>>;
  /** Continues a run that stopped (crash, cancel, failure, approval): finished steps are not redone. */
  resume<D extends WorkflowDefinition = WorkflowDefinition>(
    runId: string,
    options?: ResumeOptions<D>,
  ): Promise<RunResult<OutputOf<D>>>;
  /**
   * Approves a waiting approval step (optionally with an edited subject) and continues the run.
   * The step is an id, checked against a typed definition given in `options`, or a reference
   * from `approvalOf(definition, id)`; `edit` has the approval's output type. Nothing is recorded
   * when the run needs functions this engine does not have. With `call`, it decides a gated tool
   * call of an agent instead (an edit replaces its arguments).
   */
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
   * answer its schema refuses (refinements included) is `INPUT_INVALID`; the run keeps waiting.
   */
  answer<D extends WorkflowDefinition = WorkflowDefinition>(
    runId: string,
    path: string,
    answer: { value: unknown; by?: string; key?: string },
    options?: ResumeOptions<D>,
  ): Promise<RunResult<OutputOf<D>>>;
  /** A new run that reuses an earlier run's outputs upstream of `from` and runs the rest. */
  replay(runId: string, options: ReplayOptions): Promise<RunResult>;
  /**
   * Cancels a run: `stopped` when it ran in this process, `marked` when another process runs it
   * (it stops at its next lease renewal), `ended` when it had already ended.
   */
  cancel(runId: string): Promise<'stopped' | 'marked' | 'ended'>;
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
  return {
    services,
    run: (definition, ...runOptions) =>
      wake(runWorkflow(services, definition, runOptions[0]), undefined) as Promise<RunResult<never>>,
    resume: (runId, resumeOptions) =>
      wake(resumeRun(services, runId, resumeOptions), resumeOptions) as Promise<RunResult<never>>,
    async approve(runId, step, decision = {}, resumeOptions) {
      const [path, options] = decisionTarget(step, resumeOptions);
      await resumableRun(services, runId, options?.definition);
      await decideWaiting(services, runId, path, { action: 'approve', ...decision }, options?.definition);
      return wake(resumeRun(services, runId, options), options) as Promise<RunResult<never>>;
    },
    async reject(runId, step, decision, resumeOptions) {
      const [path, options] = decisionTarget(step, resumeOptions);
      await resumableRun(services, runId, options?.definition);
      await decideWaiting(services, runId, path, { action: 'reject', ...decision }, options?.definition);
      return wake(resumeRun(services, runId, options), options) as Promise<RunResult<never>>;
    },
    async answer(runId, path, answer, resumeOptions) {
      await resumableRun(services, runId, resumeOptions?.definition);
      const pending = await prepareAnswer(services, runId, path, answer);
      const result = await wake(
        resumeRun(services, runId, { ...resumeOptions, answer: pending }),
        resumeOptions,
      );
      if (pending.refusal) throw pending.refusal;
      return result as RunResult<never>;
    },
    replay: (runId, replayOptions) => wake(replayRun(services, runId, replayOptions), undefined),
    cancel: (runId) => cancelRun(services, runId),
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
