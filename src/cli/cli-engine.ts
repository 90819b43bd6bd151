import { createBaton } from '../baton.js';
import {
  BatonError,
  type Engine,
  type ModelResolver,
  type RunRecord,
  type Step,
  type ToolDefinition,
  type WorkflowDefinition,
} from '../core/index.js';
import type { OpenedStore } from './open-store.js';
import type { CliOutput } from './output.js';

/**
 * Creates the engine a command works with, over its opened journal, with the models, the tools
 * of the workflow module and the workflow itself (so a resumed run finds its functions again).
 *
 * @example
 * ```ts
 * const opened = openStore({ db: options.db, create: true });
 * const engine = engineFor(opened, { models: models.resolver, tools: definition.tools });
 * ```
 */
export function engineFor(
  opened: OpenedStore,
  options: {
    models?: ModelResolver;
    tools?: Readonly<Record<string, ToolDefinition>>;
    workflows?: Record<string, WorkflowDefinition>;
  } = {},
): Engine {
  return createBaton({
    store: opened.store,
    ...(options.models ? { models: options.models } : {}),
    ...(options.tools ? { tools: { ...options.tools } } : {}),
    ...(options.workflows ? { workflows: options.workflows } : {}),
  });
}

/** Reads a run from the journal, or says where it looked. */
export async function requireRun(opened: OpenedStore, runId: string): Promise<RunRecord> {
  const run = await opened.store.getRun(runId);
  if (run) return run;
  throw new BatonError(
    'RUN_NOT_FOUND',
    `No run "${runId}" in the journal ${opened.path}${opened.exists ? '' : ' (the file does not exist)'}.`,
    {
      hint: 'List runs with `baton runs`; use --db to point at another journal.',
    },
  );
}

/** True when any step (at any depth) calls a model. */
export function usesModels(steps: readonly Step[]): boolean {
  return steps.some(
    (step) =>
      step.kind === 'llm' ||
      step.kind === 'agent' ||
      (step.kind === 'branch' && step.classify !== undefined) ||
      ((step.kind === 'map' || step.kind === 'loop') && usesModels(step.steps)),
  );
}

/** Says once, on stderr, that the run answers from the mock model. */
export function noteMockModel(output: CliOutput, steps: readonly Step[], usesMock: boolean): void {
  if (usesMock && usesModels(steps)) {
    output.note(
      'No model is configured: model steps answer from mock models. Set models.default in baton.config.yaml, or pass --model alias=provider:model.',
    );
  }
}
