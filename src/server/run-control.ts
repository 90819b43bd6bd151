import { loadWorkflowFile } from '../authoring/yaml/index.js';
import {
  BatonError,
  type BatonEvent,
  type Engine,
  hashWorkflow,
  listWaiting,
  type ResumeOptions,
  type RunOptions,
  type RunRecord,
  type RunResult,
  type Step,
  type Store,
  type WorkflowDefinition,
} from '../core/index.js';
import type { ReplayBodySchema } from './api-schemas.js';
import type { Caller } from './auth.js';
import type { WorkflowCatalog } from './workflow-catalog.js';

type ReplayBody = (typeof ReplayBodySchema)['_output'];

export interface RunControlOptions {
  engine: Engine;
  store: Store;
  catalog: WorkflowCatalog;
  /** Read and write the journal's cache of model calls. Default true. */
  cache?: boolean;
  /** Refuses a definition this server must not run (e.g. tools on the mock model); throws a BatonError. */
  checkStart?: (definition: WorkflowDefinition) => void;
  /** A run that failed in the background after its request was answered. */
  onBackgroundError?: (error: unknown) => void;
}

/** Options every run the server starts or continues gets. */
type Session = Pick<RunOptions, 'cache' | 'onEvent'>;

/**
 * Starts and continues runs for the HTTP API: each call answers as soon as the run is journaled
 * (or refuses before anything is journaled) and the run goes on in the background. Decisions are
 * made in the caller's name.
 */
export class RunControl {
  constructor(private readonly options: RunControlOptions) {}

  /** Starts a workflow of the catalog; invalid input is refused before the run is journaled. */
  async start(name: string, input: unknown): Promise<string> {
    const entry = this.options.catalog.get(name);
    if (!entry?.loaded) {
      throw new BatonError(
        entry ? 'WORKFLOW_INVALID' : 'WORKFLOW_NOT_FOUND',
        entry
          ? `Workflow "${name}" (${entry.file}) does not load; fix its problems first.`
          : `No workflow "${name}" is served.`,
        {
          hint: 'GET /api/workflows lists the workflows and their problems.',
          details: { problems: entry?.problems ?? [] },
        },
      );
    }
    const definition = entry.loaded;
    this.options.checkStart?.(definition);
    await this.options.store.rememberDefinitionSource?.(
      hashWorkflow(definition.workflow),
      definition.file,
      Date.now(),
    );
    return this.launch((session) => this.options.engine.run(definition, { ...session, input }));
  }

  async resume(runId: string): Promise<string> {
    const options = await this.resumeOptions(runId);
    return this.launch((session) => this.options.engine.resume(runId, { ...options, ...session }));
  }

  /**
   * Approves what waits at `path`: an approval step (an edit is checked against its output
   * schema), a gated tool call (`call`; an edit replaces its arguments), or a question (the edit is
   * the answer).
   */
  async approve(
    runId: string,
    path: string,
    decision: { comment?: string | undefined; edit?: unknown; call?: number | undefined },
    caller: Caller,
  ): Promise<string> {
    const options = await this.resumeOptions(runId);
    const engine = this.options.engine;
    if (await this.isQuestion(runId, path)) {
      return this.launch((session) =>
        engine.answer(runId, path, { value: decision.edit, by: caller.name }, { ...options, ...session }),
      );
    }
    const approval = {
      by: caller.name,
      ...(decision.comment === undefined ? {} : { comment: decision.comment }),
      ...(decision.edit === undefined ? {} : { edit: decision.edit }),
      ...(decision.call === undefined ? {} : { call: decision.call }),
    };
    return this.launch((session) => engine.approve(runId, path, approval, { ...options, ...session }));
  }

  async reject(
    runId: string,
    path: string,
    decision: { reason: string; call?: number | undefined },
    caller: Caller,
  ) {
    const options = await this.resumeOptions(runId);
    if (await this.isQuestion(runId, path)) {
      throw new BatonError(
        'QUESTION_NOT_PENDING',
        `Step "${path}" of run ${runId} asks a question: answer it, it cannot be rejected.`,
        {
          stepPath: path,
          hint: 'Approve with `edit` set to the answer.',
        },
      );
    }
    const rejection = {
      by: caller.name,
      reason: decision.reason,
      ...(decision.call === undefined ? {} : { call: decision.call }),
    };
    return this.launch((session) =>
      this.options.engine.reject(runId, path, rejection, { ...options, ...session }),
    );
  }

  /** A new run from an earlier one, from a step on, with new input or overrides of some steps. */
  async replay(runId: string, body: ReplayBody): Promise<string> {
    const run = await this.requireRun(runId);
    const base = await this.definitionFor(run);
    const definition = body.overrides ? withOverrides(base, body.overrides) : base;
    this.options.checkStart?.(definition);
    return this.launch((session) =>
      this.options.engine.replay(runId, {
        ...session,
        from: body.from,
        definition,
        ...(body.input === undefined ? {} : { input: body.input }),
      }),
    );
  }

  cancel(runId: string): Promise<'stopped' | 'marked' | 'ended'> {
    return this.options.engine.cancel(runId);
  }

  /**
   * The definition a journaled run continues with: its snapshot, with the functions and tools of
   * the served file of the same workflow (or of the file it was started from), as the CLI does.
   */
  async definitionFor(run: RunRecord): Promise<WorkflowDefinition> {
    let loaded = this.options.catalog.get(run.workflowName)?.loaded;
    if (!loaded || hashWorkflow(loaded.workflow) !== run.workflowHash) {
      const source = await this.options.store.definitionSource?.(run.workflowHash);
      if (source !== undefined)
        loaded = await loadWorkflowFile(source, { name: run.workflowName }).catch(() => loaded);
    }
    if (!loaded) return { workflow: run.definition, functions: {} };
    if (hashWorkflow(loaded.workflow) === run.workflowHash) return loaded;
    return {
      workflow: run.definition,
      functions: loaded.functions,
      ...(loaded.workflows ? { workflows: loaded.workflows } : {}),
    };
  }

  private async resumeOptions(runId: string): Promise<ResumeOptions> {
    const definition = await this.definitionFor(await this.requireRun(runId));
    this.options.checkStart?.(definition);
    return { definition };
  }

  private async requireRun(runId: string): Promise<RunRecord> {
    const run = await this.options.store.getRun(runId);
    if (!run)
      throw new BatonError('RUN_NOT_FOUND', `No run "${runId}" in the journal.`, {
        hint: 'GET /api/runs lists the runs.',
      });
    return run;
  }

  private async isQuestion(runId: string, path: string): Promise<boolean> {
    return (await listWaiting(this.options.store, runId)).some(
      (item) => item.path === path && item.kind === 'question',
    );
  }

  /**
   * Runs `execute` in the background and resolves with the run id once the run has started
   * (journaled), or rejects with what refused it before anything was journaled.
   */
  private launch(execute: (session: Session) => Promise<RunResult>): Promise<string> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const onEvent = (event: BatonEvent) => {
        if (!answered && event.type === 'run-start') {
          answered = true;
          resolve(event.runId);
        }
      };
      execute({ onEvent, cache: this.options.cache ?? true }).then(
        (result) => {
          if (!answered) resolve(result.runId);
          answered = true;
        },
        (error: unknown) => {
          if (!answered) reject(error);
          else (this.options.onBackgroundError ?? console.error)(error);
          answered = true;
        },
      );
    });
  }
}

/** The definition with some steps changed: a model, a prompt or a step's input, by step id. */
function withOverrides(
  definition: WorkflowDefinition,
  overrides: NonNullable<ReplayBody['overrides']>,
): WorkflowDefinition {
  const unknown = new Set(Object.keys(overrides));
  const apply = (steps: readonly Step[]): Step[] =>
    steps.map((step) => {
      const override = Object.hasOwn(overrides, step.id) ? overrides[step.id] : undefined;
      let changed: Step =
        step.kind === 'map' || step.kind === 'loop' ? { ...step, steps: apply(step.steps) } : step;
      if (!override) return changed;
      unknown.delete(step.id);
      const fields: Record<string, unknown> = {};
      if (override.model !== undefined) fields.model = override.model;
      if (override.prompt !== undefined) fields.prompt = override.prompt;
      if (override.input !== undefined) fields.input = override.input;
      for (const field of Object.keys(fields)) {
        const allowed = field === 'input' ? ['tool', 'workflow'] : ['llm', 'agent'];
        if (!allowed.includes(step.kind)) {
          throw new BatonError(
            'INPUT_INVALID',
            `Step "${step.id}" is a ${step.kind} step: it has no ${field} to override.`,
            {
              stepPath: step.id,
              details: {
                issues: [
                  { path: `overrides.${step.id}.${field}`, message: `a ${step.kind} step has no ${field}` },
                ],
              },
            },
          );
        }
      }
      changed = { ...changed, ...fields } as Step;
      return changed;
    });
  const steps = apply(definition.workflow.steps);
  if (unknown.size > 0) {
    const names = [...unknown];
    throw new BatonError(
      'INPUT_INVALID',
      `The workflow has no step ${names.map((name) => `"${name}"`).join(', ')} to override.`,
      {
        details: { issues: names.map((name) => ({ path: `overrides.${name}`, message: 'no such step' })) },
      },
    );
  }
  return { ...definition, workflow: { ...definition.workflow, steps } };
}
