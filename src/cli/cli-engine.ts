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
import { captureContentFromEnvironment } from '../observe/gen-ai-conventions.js';
import { exportRunTelemetry } from '../observe/otlp-export.js';
import type { OpenedStore } from './open-store.js';
import type { CliOutput } from './output.js';
import { packageVersion } from './package-version.js';

const telemetryEnds: Array<() => Promise<void>> = [];

/**
 * Creates the engine a command works with, over its opened journal, with the models, the tools
 * of the workflow module and the workflow itself (so a resumed run finds its functions again).
 * When the OTEL_EXPORTER_OTLP_* variables are set, its runs are exported as traces and metrics
 * (docs/observability.md) until {@link endTelemetry}.
 *
 * @example
 * ```ts
 * const opened = openStore({ db: options.db, create: true });
 * const engine = await engineFor(opened, { models: models.resolver, tools: definition.tools });
 * ```
 */
export async function engineFor(
  opened: OpenedStore,
  options: {
    models?: ModelResolver;
    tools?: Readonly<Record<string, ToolDefinition>>;
    workflows?: Record<string, WorkflowDefinition>;
  } = {},
): Promise<Engine> {
  const engine = createBaton({
    store: opened.store,
    ...(options.models ? { models: options.models } : {}),
    ...(options.tools ? { tools: { ...options.tools } } : {}),
    ...(options.workflows ? { workflows: options.workflows } : {}),
    captureModelContent: captureContentFromEnvironment(),
  });
  const telemetry = await exportRunTelemetry(engine, { store: opened.store, version: packageVersion() });
  if (telemetry) telemetryEnds.push(telemetry.end);
  return engine;
}

/** Sends the traces and metrics the exporters still hold; every command ends with it. */
export async function endTelemetry(): Promise<void> {
  await Promise.all(telemetryEnds.splice(0).map((end) => end()));
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

/** The model names a workflow's steps (at any depth) and defaults give. */
export function modelNamesOf(steps: readonly Step[], defaultModel?: string | string[]): string[] {
  const names = new Set<string>([defaultModel ?? []].flat());
  const visit = (list: readonly Step[]) => {
    for (const step of list) {
      const model =
        step.kind === 'llm' || step.kind === 'agent'
          ? step.model
          : step.kind === 'branch'
            ? step.classify?.model
            : undefined;
      for (const name of [model ?? []].flat()) names.add(name);
      if (step.kind === 'map' || step.kind === 'loop') visit(step.steps);
    }
  };
  visit(steps);
  return [...names];
}

/** True when any step (at any depth) calls a tool: a tool step, or an agent. */
export function callsTools(steps: readonly Step[]): boolean {
  return steps.some(
    (step) =>
      step.kind === 'tool' ||
      step.kind === 'agent' ||
      ((step.kind === 'map' || step.kind === 'loop') && callsTools(step.steps)),
  );
}

/**
 * Refuses to start a workflow that calls tools on the mock model unless `--mock` asked for it: a
 * made-up answer must not drive real side effects (a refund, an email). Workflows without tools
 * still run on the mock, so they can be tried offline.
 */
export function checkMockModel(steps: readonly Step[], usesMock: boolean, allowMock: boolean): void {
  if (!usesMock || allowMock || !usesModels(steps) || !callsTools(steps)) return;
  throw new BatonError(
    'MODEL_NOT_FOUND',
    'No model is configured, and this workflow calls tools: the mock model would make up their inputs.',
    {
      hint: 'Choose a model (--model provider:model, models.default, BATON_MODEL or BATON_LOCAL_MODEL), or pass --mock to run on the mock model anyway.',
    },
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
