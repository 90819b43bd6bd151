import type { EventListener } from '../events.js';
import type { ExpressionScope } from '../expressions/evaluate-expression.js';
import type { ExpressionLimits } from '../expressions/expression-limits.js';
import type { TemplateContext } from '../expressions/render-template.js';
import type { Step } from '../ir/step.js';
import type { WorkflowDefinition } from '../ir/workflow.js';
import type { Clock } from '../ports/clock.js';
import type { ModelResolver } from '../ports/model-resolver.js';
import type { AttemptRecord, StepRecord, Store, SubCallRecord, Usage } from '../ports/store.js';
import type { ToolRegistry } from '../ports/tool-registry.js';
import type { ConcurrencyGate } from '../scheduler/concurrency-gate.js';
import type { PendingAnswer } from './code-context.js';
import type { InputLimits } from './input-limits.js';
import type { ModelRecoveryNote } from './model-recoveries.js';
import type { Question } from './pause.js';
import type { RunFeed } from './run-events.js';
import type { RunLease } from './run-lease.js';

/** What the engine holds for every run in the process. */
export interface EngineServices {
  store: Store;
  models: ModelResolver | undefined;
  tools: ToolRegistry;
  workflows: ReadonlyMap<string, WorkflowDefinition>;
  clock: Clock;
  random: () => number;
  /** Every leaf step takes a slot of this gate: the process-wide concurrency limit. */
  gate: ConcurrencyGate;
  namedGate(name: string, limit: number | undefined): ConcurrencyGate | undefined;
  handlers: Readonly<Record<string, StepHandler>>;
  listeners: ReadonlySet<EventListener>;
  /** Who this engine is when it leases a run (`host:pid:random` unless configured). */
  owner: string;
  /** How long a lease on a run lasts without renewal; renewed every third of it while running. */
  leaseMs: number;
  /** The runs executing in this process, by id, so `cancel` can reach them and wait for their end. */
  active: Map<string, { controller: AbortController; ended: Promise<void> }>;
  /** The event feeds of the runs executing in this process, by id: `events` readers attach to them. */
  feeds: Map<string, RunFeed>;
  /** Readers following a run's journal, woken when an execution of that run opens its feed here. */
  feedWaiters: Map<string, Set<() => void>>;
  /** The largest output (bytes of JSON) a `step-end` event carries; a larger one is referenced. */
  eventOutputLimit: number;
  /** Events each `events` reader may have queued before it falls back to re-reading the journal. */
  eventBufferSize: number;
  /** How long a cancelled step may take to settle before it is journaled as interrupted. */
  cancelGraceMs: number;
  /** Told about each listener that threw, once per listener; it never changes a run's outcome. */
  onListenerError: (error: unknown, listener: EventListener) => void;
  /** Time and depth bounds of every expression evaluation. */
  expressionLimits: ExpressionLimits;
  /** Size and depth bounds of a run's input. */
  inputLimits: InputLimits;
  /** `model-call` events carry the messages sent and answered. */
  captureModelContent: boolean;
}

/** Limits of one run. */
export interface Budget {
  maxCostUsd?: number;
  maxTokens?: number;
  /**
   * Start model calls that have no price despite `maxCostUsd` (their cost cannot be counted).
   * Default false: such a call is refused with `BUDGET_EXCEEDED`.
   */
  allowUnpriced?: boolean;
}

/** One run in progress. */
export interface RunState {
  id: string;
  definition: WorkflowDefinition;
  services: EngineServices;
  signal: AbortSignal;
  /** Instances that ended in an earlier process, by path: their outputs are reused, not recomputed. */
  replay: ReadonlyMap<string, StepRecord>;
  emit: EventListener;
  /** This process's lease on the run: `confirm()` before starting an attempt. */
  lease: RunLease;
  /** The run's journal writes, fenced with its lease epoch. */
  journal: {
    writeStep(step: StepRecord, attempt?: AttemptRecord): Promise<void>;
    writeSubCall(call: SubCallRecord): Promise<void>;
  };
  usage: Usage;
  costUsd: number;
  /** Whether a model call of this run had no price, so `costUsd` is less than it cost. */
  unpriced: boolean;
  budget: Budget | undefined;
  /** Whether this run reads and writes the cache (`RunOptions.cache`, default true). */
  cache: boolean;
  /** An answer `engine.answer` brings to a waiting question, checked by the question's schema. */
  answer?: PendingAnswer | undefined;
  /**
   * Set by a distributed worker, which runs one top-level step instance per job: a top-level step
   * whose dependencies have ended and for which this returns false is left to its own job (the
   * graph treats it as waiting) instead of running in this process.
   */
  runsHere?: (path: string) => boolean;
  /**
   * Set by a distributed worker: a top-level step to be retried returns `waiting` with the retry's
   * time as `wakeAt` (its attempt journaled as failed), so the retry is a scheduled job that
   * survives this process, rather than a sleep in it.
   */
  deferRetries?: boolean;
}

/** A level of the graph being run: the top of the workflow, one map item, one loop iteration. */
export interface Frame {
  prefix: string;
  scope: ExpressionScope & { steps: Record<string, unknown> };
  signal: AbortSignal;
  /**
   * Called with the reason when `signal` aborts, so a step that ignores its signal cannot hold the
   * graph. A running step adds itself and removes itself when it settles: a level of thousands of
   * steps keeps only its running ones here (one reaction per step on a shared promise would pile up).
   */
  cancellers: Set<(reason: unknown) => void>;
  /**
   * The levels below this one that are running (map items, loop iterations, called workflows),
   * each by the function that aborts it: called when this level aborts, before its steps'
   * cancellers, as abort listeners on its signal would be, without a listener per item. Made
   * when the first level below starts.
   */
  levels?: Set<() => void>;
  /** The functions `{ function: name }` values resolve against (a called workflow brings its own). */
  functions: WorkflowDefinition['functions'];
}

/** A step or graph suspended until a person decides; `wakeAt` is when a deadline passes, if any. */
export interface Waiting {
  paths: string[];
  /** The gated tool calls of agent steps among them, each decided on its own (`--call`). */
  calls?: Array<{ path: string; call: number; tool: string; args: unknown }>;
  wakeAt?: number;
  /** The waiting paths that asked a question (`ctx.interrupt`), with the question. */
  questions?: Question[];
}

/** What a graph level ended with: its outputs by step id, or the steps it is waiting on. */
export interface GraphResult {
  outputs: Record<string, unknown>;
  waiting?: Waiting;
}

/** What a step kind's `execute` returns. */
export interface StepOutcome {
  output: unknown;
  /** Set when the step suspends (an approval); the run ends `waiting` once nothing else can run. */
  waiting?: Waiting;
  model?: string;
  usage?: Usage;
  costUsd?: number;
  cached?: boolean;
  note?: string;
  /** The step checked its output against `output` and `validate` itself (a model step, as repairs). */
  checked?: boolean;
}

export interface StepContext {
  run: RunState;
  path: string;
  attempt: number;
  scope: Frame['scope'];
  functions: Frame['functions'];
  signal: AbortSignal;
  /** Records what the step works on (a rendered prompt, tool arguments) for the journal and errors. */
  setInput(input: unknown): void;
  /**
   * How this step renders its templates and expressions: its path, its functions, the record of
   * the references it read (journaled with its input), whether a reference may yield nothing, and
   * the signal and limits that bound each evaluation.
   */
  expressions: TemplateContext & { stepPath: string };
  /** Runs a sub-graph (a map item, a loop iteration, a called workflow) under `prefix`. */
  runGraph(
    steps: readonly Step[],
    prefix: string,
    scope: Frame['scope'],
    functions?: Frame['functions'],
  ): Promise<GraphResult>;
  /** Adds a model call's usage and cost to the step and the run; `unpriced` when it has no price. */
  addUsage(usage: Usage, costUsd: number, unpriced?: boolean): void;
  /** Whether this step's model calls may be answered from the cache (unless `cache: false`). */
  cache: boolean;
  /** Counts a model call answered from the cache (`true`) or by the model (`false`). */
  countCacheHit(hit: boolean): void;
  /** Notes a retry or fallback of the model layer; journaled with the attempt however it ends. */
  noteModelRecovery(recovery: ModelRecoveryNote): void;
}

/** One step kind. Leaf kinds take a concurrency slot; containers (map, loop) do not. */
export interface StepHandler<S extends Step = Step> {
  leaf: boolean;
  execute(step: S, context: StepContext): Promise<StepOutcome>;
}
