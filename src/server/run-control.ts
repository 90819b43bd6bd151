import { loadWorkflowFile } from '../authoring/yaml/index.js';
import {
  BatonError,
  type Engine,
  hashWorkflow,
  listWaiting,
  type ResumeOptions,
  type RunHandle,
  type RunRecord,
  type Step,
  type Store,
  type WorkflowDefinition,
} from '../core/index.js';
import type { ReplayBodySchema } from './api-schemas.js';
import type { Caller } from './auth.js';
import type { WorkersOption } from './worker-runs.js';
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
  /** Starts go to workers; runs started for workers are decided, cancelled and resumed by enqueueing. */
  workers?: WorkersOption;
}

/**
 * Starts and continues runs for the HTTP API: each call answers as soon as the run is journaled
 * (or refuses before anything is journaled) and the run goes on in the background. Decisions are
 * made in the caller's name. With `workers`, new runs are queued for the workers, and a run
 * started for them continues on them: this process only journals and enqueues.
 */
export class RunControl {
  /** Runs known to be started for workers: that never changes, and the sweeper asks every pass. */
  private readonly onWorkersSeen = new Set<string>();

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
    const { workers } = this.options;
    if (workers) {
      const queue = workers.queue === undefined ? {} : { queue: workers.queue };
      return (await workers.runs.start(definition, { input, ...queue })).runId;
    }
    return this.launch(this.options.engine.start(definition, { cache: this.cache, input }));
  }

  async resume(runId: string): Promise<string> {
    const workers = await this.workersOf(runId);
    if (workers) {
      await workers.resume(runId);
      return runId;
    }
    return this.launch(this.options.engine.startResume(runId, await this.resumeOptions(runId)));
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
    const workers = await this.workersOf(runId);
    if (workers) {
      await this.refuseQuestionOnWorkers(runId, path);
      await workers.decide(runId, path, {
        action: 'approve',
        by: caller.name,
        ...(decision.comment === undefined ? {} : { comment: decision.comment }),
        ...(decision.edit === undefined ? {} : { edit: decision.edit }),
        ...(decision.call === undefined ? {} : { call: decision.call }),
      });
      return runId;
    }
    const options = await this.resumeOptions(runId);
    const engine = this.options.engine;
    if (await this.isQuestion(runId, path)) {
      return this.launch(engine.startAnswer(runId, path, { value: decision.edit, by: caller.name }, options));
    }
    const approval = {
      by: caller.name,
      ...(decision.comment === undefined ? {} : { comment: decision.comment }),
      ...(decision.edit === undefined ? {} : { edit: decision.edit }),
      ...(decision.call === undefined ? {} : { call: decision.call }),
    };
    return this.launch(engine.startApprove(runId, path, approval, options));
  }

  async reject(
    runId: string,
    path: string,
    decision: { reason: string; call?: number | undefined },
    caller: Caller,
  ): Promise<string> {
    const workers = await this.workersOf(runId);
    if (workers) {
      await this.refuseQuestionOnWorkers(runId, path);
      await workers.decide(runId, path, {
        action: 'reject',
        by: caller.name,
        reason: decision.reason,
        ...(decision.call === undefined ? {} : { call: decision.call }),
      });
      return runId;
    }
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
    return this.launch(this.options.engine.startReject(runId, path, rejection, options));
  }

  /** A new run from an earlier one, from a step on, with new input or overrides of some steps. */
  async replay(runId: string, body: ReplayBody): Promise<string> {
    const run = await this.requireRun(runId);
    const base = await this.definitionFor(run);
    const definition = body.overrides ? withOverrides(base, body.overrides) : base;
    this.options.checkStart?.(definition);
    return this.launch(
      this.options.engine.startReplay(runId, {
        cache: this.cache,
        from: body.from,
        definition,
        ...(body.input === undefined ? {} : { input: body.input }),
      }),
    );
  }

  async cancel(runId: string): Promise<'stopped' | 'marked' | 'ended'> {
    const workers = await this.workersOf(runId);
    return workers ? workers.cancel(runId) : this.options.engine.cancel(runId);
  }

  /** Whether the run was started for workers (and this server hands work to them): the sweeper leaves it alone. */
  async onWorkers(runId: string): Promise<boolean> {
    return (await this.workersOf(runId)) !== undefined;
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
    return { definition, cache: this.cache };
  }

  private get cache(): boolean {
    return this.options.cache ?? true;
  }

  private async requireRun(runId: string): Promise<RunRecord> {
    const run = await this.options.store.getRun(runId);
    if (!run)
      throw new BatonError('RUN_NOT_FOUND', `No run "${runId}" in the journal.`, {
        hint: 'GET /api/runs lists the runs.',
      });
    return run;
  }

  /** The worker runs, when the run was started for them (an unknown run is refused as in one process). */
  private async workersOf(runId: string): Promise<WorkersOption['runs'] | undefined> {
    const runs = this.options.workers?.runs;
    if (!runs) return undefined;
    if (this.onWorkersSeen.has(runId)) return runs;
    if (!(await runs.isDistributed(runId))) return undefined;
    if (this.onWorkersSeen.size >= 10_000) this.onWorkersSeen.clear();
    this.onWorkersSeen.add(runId);
    return runs;
  }

  /** A question's answer reaches the step as it runs again, which workers cannot be handed yet. */
  private async refuseQuestionOnWorkers(runId: string, path: string): Promise<void> {
    if (!(await this.isQuestion(runId, path))) return;
    throw new BatonError(
      'STORE_CONFLICT',
      `Step "${path}" of run ${runId} asks a question, and the run executes on workers: answers reach only runs executed in one process.`,
      {
        stepPath: path,
        hint: 'Cancel the run; a workflow that asks questions runs on a server started without --workers.',
      },
    );
  }

  private async isQuestion(runId: string, path: string): Promise<boolean> {
    return (await listWaiting(this.options.store, runId)).some(
      (item) => item.path === path && item.kind === 'question',
    );
  }

  /**
   * Resolves with the run id once the execution holds the run (its first event), so a refusal
   * (invalid input, already decided, held by another process) is the request's answer; the run
   * then goes on in the background.
   */
  private async launch(starting: Promise<RunHandle>): Promise<string> {
    const handle = await starting;
    const events = handle.events[Symbol.asyncIterator]();
    await events.next();
    await events.return?.();
    handle.result.catch(this.options.onBackgroundError ?? reportBackgroundError);
    return handle.runId;
  }
}

function reportBackgroundError(error: unknown): void {
  // Another process took the run over: it carries the run on, nothing failed.
  if (BatonError.is(error, 'LEASE_LOST')) return;
  console.error(error);
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
