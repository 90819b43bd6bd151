import { createHash } from 'node:crypto';
import {
  canonicalJson,
  type Engine,
  hashWorkflow,
  type ModelResolver,
  type RunResult,
  type Step,
  type Store,
  stepIdOf,
  type Workflow,
  type WorkflowDefinition,
} from '../core/index.js';
import type { DatasetRow } from './eval-file.js';
import { runOrReuse } from './run-or-reuse.js';
import type { CellResult } from './score-cell.js';

/** One cell of an eval: a case of the dataset, run by one variant, for one repeat. */
export interface Cell {
  caseId: string;
  variant: string;
  repeat: number;
  runId: string;
}

/**
 * The run id of a cell: a hash of the definition the variant runs, the case's input and
 * approvals, and the repeat. The same cell in another eval (an unchanged baseline) is the same
 * run, so it is reused rather than paid for again; a repeat is a different run, so it gets an
 * independent answer.
 */
export function cellRunId(definition: WorkflowDefinition, row: DatasetRow, repeat: number): string {
  const key = canonicalJson({
    workflow: hashWorkflow(definition.workflow),
    input: row.input ?? {},
    approvals: row.approvals ?? {},
    repeat,
  });
  return `cell_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

const maxDecisionRounds = 20;

/**
 * Runs (or reuses) a cell. Approval steps are decided from the row's `approvals` (by path or by
 * step id) so a case never waits; a waiting run the row does not decide ends the cell as
 * `waiting`, which fails every check of its output.
 */
export async function runCell(
  services: { engine: Engine; store: Store },
  definition: WorkflowDefinition,
  row: DatasetRow,
  runId: string,
  budget: number | undefined,
  unpricedModels: string[],
): Promise<CellResult> {
  let result = await runOrReuse(services, definition, runId, {
    input: row.input ?? {},
    ...(budget === undefined ? {} : { budget: { maxCostUsd: budget } }),
  });
  for (let round = 0; result.status === 'waiting' && round < maxDecisionRounds; round++) {
    const decided = await decideFromRow(services, result, row);
    if (decided === undefined) break;
    result = decided;
  }
  return toCellResult(services, result, unpricedModels);
}

async function decideFromRow(
  services: { engine: Engine; store: Store },
  result: RunResult,
  row: DatasetRow,
): Promise<RunResult | undefined> {
  const approvals = row.approvals ?? {};
  const paths =
    result.waiting?.paths ??
    (await services.store.listSteps(result.runId))
      .filter((step) => step.status === 'waiting')
      .map((step) => step.path);
  for (const path of paths) {
    const key = Object.hasOwn(approvals, path) ? path : stepIdOf(path);
    if (!Object.hasOwn(approvals, key)) continue;
    const decision = approvals[key];
    const options = { takeover: true, cache: false };
    if (decision === 'reject') {
      return services.engine.reject(
        result.runId,
        path,
        { by: 'eval', reason: 'rejected by the dataset row' },
        options,
      );
    }
    const edit = typeof decision === 'object' ? { edit: decision.edit } : {};
    return services.engine.approve(result.runId, path, { by: 'eval', ...edit }, options);
  }
  return undefined;
}

async function toCellResult(
  services: { store: Store },
  result: RunResult,
  unpricedModels: string[],
): Promise<CellResult> {
  // Timings come from the journal, so a reused cell reports what the run that made it took.
  const record = await services.store.getRun(result.runId);
  const durationMs = record ? (record.endedAt ?? record.createdAt) - record.createdAt : result.durationMs;
  return {
    runId: result.runId,
    status: result.status,
    output: result.output,
    costUsd: result.costUsd,
    priced: unpricedModels.length === 0,
    unpricedModels,
    durationMs,
    tokens: result.usage.inputTokens + result.usage.outputTokens,
    ...(result.error ? { errorCode: result.error.code } : {}),
  };
}

/**
 * The models a workflow calls that have no price: their cost is unknown, never $0. Judged by the
 * resolver at the time the eval runs; the eval's journal keeps the answer for re-analysis.
 */
export function unpricedModelsOf(models: ModelResolver, workflow: Workflow): string[] {
  return modelNamesOf(workflow.steps).flatMap((name) => {
    try {
      const resolved = models.resolve(name, 'eval');
      return resolved.pricing === undefined ? [resolved.id] : [];
    } catch {
      return [name ?? '(default)'];
    }
  });
}

/** The model names a workflow's steps call (the first of each fallback chain; `undefined` is the default). */
function modelNamesOf(steps: readonly Step[]): Array<string | undefined> {
  const names = new Set<string | undefined>();
  const visit = (list: readonly Step[]) => {
    for (const step of list) {
      if (step.kind === 'llm' || step.kind === 'agent')
        names.add(Array.isArray(step.model) ? step.model[0] : step.model);
      if (step.kind === 'branch' && step.classify) {
        const model = step.classify.model;
        names.add(Array.isArray(model) ? model[0] : model);
      }
      if (step.kind === 'map' || step.kind === 'loop') visit(step.steps);
    }
  };
  visit(steps);
  return [...names];
}
