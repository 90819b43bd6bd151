import { fromModels } from '../../src/baton.js';
import {
  type BatonEvent,
  createEngine,
  type EngineOptions,
  type Step,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowFunction,
} from '../../src/core/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { ScriptedModel } from '../../src/testing/index.js';

/** An engine on a memory store that records every event, with an optional scripted model. */
export function setup(
  options: Partial<Omit<EngineOptions, 'models'>> & {
    model?: ScriptedModel;
    models?: Record<string, ScriptedModel>;
  } = {},
) {
  const { model, models, ...rest } = options;
  const store = (rest.store as MemoryStore | undefined) ?? new MemoryStore();
  const named = models ?? (model ? { test: model } : undefined);
  const engine = createEngine({ ...rest, store, ...(named ? { models: fromModels(named) } : {}) });
  const events: BatonEvent[] = [];
  engine.subscribe((event) => events.push(event));
  const ofType = <T extends BatonEvent['type']>(type: T) =>
    events.filter((event): event is Extract<BatonEvent, { type: T }> => event.type === type);
  return { engine, store, events, ofType };
}

/** A workflow definition named `test` from its steps. */
export function define(
  workflow: Omit<Partial<Workflow>, 'steps'> & { steps: Step[] },
  functions: Record<string, WorkflowFunction> = {},
): WorkflowDefinition {
  return { workflow: { name: 'test', ...workflow }, functions };
}

/** A promise with its resolve function, to hold a step until the test lets it go. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
