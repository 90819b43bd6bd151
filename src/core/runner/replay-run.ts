import { BatonError } from '../errors.js';
import { compileGraph } from '../ir/compile-graph.js';
import type { WorkflowDefinition } from '../ir/workflow.js';
import type { StepRecord } from '../ports/store.js';
import { requireRun } from './require-run.js';
import type { EngineServices } from './run-state.js';
import { continueRun, createRunRecord, type RunOptions, type RunResult } from './run-workflow.js';

export interface ReplayOptions extends Omit<RunOptions, 'runId' | 'parentRunId'> {
  /** The top-level step to run again; it and everything downstream of it run, the rest is reused. */
  from: string;
  /** A changed definition (same step ids upstream of `from`); default the parent's. */
  definition?: WorkflowDefinition;
}

/**
 * Starts a new run from an existing one at a chosen step: outputs recorded upstream of `from`
 * are reused without running again, optionally with new input or a changed definition. The new
 * run records its parent. This checks the step, journals the new run and copies the reused
 * instances into it; `execute` runs it, so a handle exists before the run executes.
 */
export async function prepareReplay(
  services: EngineServices,
  parentId: string,
  options: ReplayOptions,
): Promise<{ runId: string; execute(options: RunOptions): Promise<RunResult> }> {
  const parent = await requireRun(services.store, parentId);
  const definition = options.definition ??
    services.workflows.get(parent.workflowName) ?? { workflow: parent.definition, functions: {} };
  const graph = compileGraph(definition.workflow.steps);
  const start = graph.byId.get(options.from);
  if (start === undefined) {
    throw new BatonError(
      'STEP_FAILED',
      `Run ${parentId} has no top-level step "${options.from}" to replay from.`,
      {
        hint: `Top-level steps: ${definition.workflow.steps.map((step) => step.id).join(', ')}.`,
      },
    );
  }
  const rerun = new Set<string>();
  const visit = (index: number) => {
    const node = graph.nodes[index];
    if (!node || rerun.has(node.step.id)) return;
    rerun.add(node.step.id);
    for (const dependent of node.dependents) visit(dependent);
  };
  visit(start);
  const reused = new Map<string, StepRecord>();
  for (const step of await services.store.listSteps(parentId)) {
    const top = /^[^/[#]+/.exec(step.path)?.[0] ?? step.path;
    if (!rerun.has(top) && (step.status === 'succeeded' || step.status === 'skipped'))
      reused.set(step.path, step);
  }
  const record = await createRunRecord(services, definition, {
    ...options,
    input: options.input ?? parent.input,
    parentRunId: parentId,
  });
  // Reused instances are copied into the new run's journal, so it stands on its own.
  for (const step of reused.values()) await services.store.writeStep({ ...step, runId: record.id });
  return {
    runId: record.id,
    execute: (runOptions) =>
      continueRun(services, record.id, runOptions, async () => ({ definition, record, replay: reused })),
  };
}
