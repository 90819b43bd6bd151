import type { EventListener } from '../events.js';
import type { WorkflowDefinition } from '../ir/workflow.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { ModelResolver } from '../ports/model-resolver.js';
import type { Store } from '../ports/store.js';
import type { ToolDefinition, ToolRegistry } from '../ports/tool-registry.js';
import { ConcurrencyGate } from '../scheduler/concurrency-gate.js';
import { coreStepHandlers } from '../steps/index.js';
import type { EngineServices, StepHandler } from './run-state.js';
import { type RunOptions, type RunResult, resumeRun, runWorkflow } from './run-workflow.js';

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
}

/** A running engine: one per process, shared by every run so limits hold across them. */
export interface Engine {
  readonly services: EngineServices;
  run(definition: WorkflowDefinition, options?: RunOptions): Promise<RunResult>;
  resume(runId: string, options?: Omit<RunOptions, 'input' | 'runId'> & { definition?: WorkflowDefinition }): Promise<RunResult>;
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
  };
  return {
    services,
    run: (definition, runOptions) => runWorkflow(services, definition, runOptions),
    resume: (runId, resumeOptions) => resumeRun(services, runId, resumeOptions),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function toRegistry(tools: EngineOptions['tools']): ToolRegistry {
  if (tools && typeof (tools as ToolRegistry).get === 'function' && typeof (tools as ToolRegistry).names === 'function') {
    return tools as ToolRegistry;
  }
  const map = new Map(Object.entries((tools ?? {}) as Record<string, ToolDefinition>));
  return { get: (name) => map.get(name), names: () => [...map.keys()] };
}
