import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventListener } from '../events.js';
import type { WorkflowDefinition } from '../ir/workflow.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { ModelResolver } from '../ports/model-resolver.js';
import type { Store } from '../ports/store.js';
import type { ToolDefinition, ToolRegistry } from '../ports/tool-registry.js';
import { ConcurrencyGate } from '../scheduler/concurrency-gate.js';
import { coreStepHandlers } from '../steps/index.js';
import { prepareAnswer } from './answer-question.js';
import type { ApprovalInput } from './decide-approval.js';
import { decideWaiting } from './decide-tool-call.js';
import { type ReplayOptions, replayRun } from './replay-run.js';
import type { EngineServices, StepHandler } from './run-state.js';
import { cancelRun, type RunOptions, type RunResult, resumeRun, runWorkflow } from './run-workflow.js';

export type ResumeOptions = Omit<RunOptions, 'input' | 'runId'> & {
  definition?: WorkflowDefinition;
  /** Take the run over even if another process holds its lease (that process is known to be gone). */
  takeover?: boolean;
};

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
}

/** A running engine: one per process, shared by every run so limits hold across them. */
export interface Engine {
  readonly services: EngineServices;
  run(definition: WorkflowDefinition, options?: RunOptions): Promise<RunResult>;
  /** Continues a run that stopped (crash, cancel, failure, approval): finished steps are not redone. */
  resume(runId: string, options?: ResumeOptions): Promise<RunResult>;
  /**
   * Approves a waiting approval step (optionally with an edited subject), or with `call` a gated
   * tool call of an agent (an edit replaces its arguments), and continues the run.
   */
  approve(
    runId: string,
    path: string,
    decision?: Omit<Extract<ApprovalInput, { action: 'approve' }>, 'action'> & { call?: number },
    options?: ResumeOptions,
  ): Promise<RunResult>;
  /** Rejects a waiting approval step and continues the run (the rejection may be routed by onError). */
  reject(
    runId: string,
    path: string,
    decision: Omit<Extract<ApprovalInput, { action: 'reject' }>, 'action'> & { call?: number },
    options?: ResumeOptions,
  ): Promise<RunResult>;
  /**
   * Answers the question a waiting step asked with `ctx.interrupt` and continues the run. An
   * answer its schema refuses (refinements included) is `INPUT_INVALID`; the run keeps waiting.
   */
  answer(
    runId: string,
    path: string,
    answer: { value: unknown; by?: string; key?: string },
    options?: ResumeOptions,
  ): Promise<RunResult>;
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
      const configured = options.limits?.[name] ?? limit;
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
  };
  // A run waiting on an approval with a deadline is resumed when the deadline passes, if this
  // process is still alive then; the timer does not keep the process alive.
  const wake = async (result: Promise<RunResult>, options: ResumeOptions | undefined): Promise<RunResult> => {
    const ended = await result;
    const wakeAt = ended.waiting?.wakeAt;
    if (wakeAt !== undefined) {
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
    run: (definition, runOptions) => wake(runWorkflow(services, definition, runOptions), undefined),
    resume: (runId, resumeOptions) => wake(resumeRun(services, runId, resumeOptions), resumeOptions),
    async approve(runId, path, decision = {}, resumeOptions) {
      await decideWaiting(
        services,
        runId,
        path,
        { action: 'approve', ...decision },
        resumeOptions?.definition,
      );
      return wake(resumeRun(services, runId, resumeOptions), resumeOptions);
    },
    async reject(runId, path, decision, resumeOptions) {
      await decideWaiting(
        services,
        runId,
        path,
        { action: 'reject', ...decision },
        resumeOptions?.definition,
      );
      return wake(resumeRun(services, runId, resumeOptions), resumeOptions);
    },
    async answer(runId, path, answer, resumeOptions) {
      const pending = await prepareAnswer(services, runId, path, answer);
      const result = await wake(
        resumeRun(services, runId, { ...resumeOptions, answer: pending }),
        resumeOptions,
      );
      if (pending.refusal) throw pending.refusal;
      return result;
    },
    replay: (runId, replayOptions) => wake(replayRun(services, runId, replayOptions), undefined),
    cancel: (runId) => cancelRun(services, runId),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
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
