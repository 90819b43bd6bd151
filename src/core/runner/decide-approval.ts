import { BatonError } from '../errors.js';
import type { Step } from '../ir/step.js';
import { stepIdOf } from '../ir/step-path.js';
import type { WorkflowDefinition } from '../ir/workflow.js';
import { type ApprovalDecision, latestApproval } from '../steps/approval-step.js';
import { canonicalJson } from './canonical-json.js';
import { checkAgainstSchema } from './output-schema.js';
import { requireRun } from './require-run.js';
import type { EngineServices } from './run-state.js';
import { hashWorkflow } from './run-workflow.js';

export type ApprovalInput =
  | { action: 'approve'; by?: string; comment?: string; edit?: unknown }
  | { action: 'reject'; by?: string; reason: string };

/**
 * Records a person's decision on a waiting approval step. An edit is checked against the step's
 * `output` schema first: an invalid edit is refused and nothing is written. The run continues
 * when it is next resumed (`engine.approve` and `engine.reject` resume it at once).
 */
export async function decideApproval(
  services: EngineServices,
  runId: string,
  path: string,
  input: ApprovalInput,
  given?: WorkflowDefinition,
): Promise<ApprovalDecision> {
  const run = await requireRun(services.store, runId);
  const steps = await services.store.listSteps(runId);
  const waiting = steps
    .filter((step) => step.status === 'waiting' && step.kind === 'approval')
    .map((step) => step.path);
  const record = steps.find((step) => step.path === path);
  if (record?.status !== 'waiting' || record.kind !== 'approval') {
    throw new BatonError(
      'APPROVAL_NOT_PENDING',
      `Step "${path}" of run ${runId} is not waiting for approval (${record ? `status ${record.status}` : 'no such step'}).`,
      {
        stepPath: path,
        hint: waiting.length ? `Waiting approvals: ${waiting.join(', ')}.` : 'This run waits on no approval.',
      },
    );
  }
  const { request, decision: earlier } = latestApproval(await services.store.listSubCalls(runId, path));
  if (!request || earlier) {
    throw new BatonError('APPROVAL_NOT_PENDING', `Step "${path}" of run ${runId} was already decided.`, {
      stepPath: path,
    });
  }
  const by = input.by ?? 'unknown';
  const decision: ApprovalDecision = { action: input.action, by, at: services.clock.now() };
  if (input.action === 'reject') decision.reason = input.reason;
  else {
    if (input.comment !== undefined) decision.comment = input.comment;
    if (input.edit !== undefined) {
      // The definition the run was started from, when this process has it, keeps the Zod schemas
      // (refinements included) that the journaled snapshot cannot hold.
      const candidate = given ?? services.workflows.get(run.workflowName);
      const definition =
        candidate && hashWorkflow(candidate.workflow) === run.workflowHash
          ? candidate.workflow
          : run.definition;
      const step = findStep(definition.steps, stepIdOf(path));
      decision.edit = step?.output
        ? checkAgainstSchema(input.edit, step.output, 'OUTPUT_INVALID', path)
        : input.edit;
      decision.diff = diffValues((request.request as { subject: unknown }).subject, decision.edit);
    }
  }
  await services.store.writeSubCall({
    runId,
    path,
    sequence: 1,
    kind: 'approval-decision',
    response: decision,
    createdAt: decision.at,
  });
  return decision;
}

function findStep(steps: readonly Step[], id: string): Step | undefined {
  for (const step of steps) {
    if (step.id === id) return step;
    if (step.kind === 'map' || step.kind === 'loop') {
      const inner = findStep(step.steps, id);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The paths where two JSON values differ, with the value before and after. */
export function diffValues(
  before: unknown,
  after: unknown,
  path = '',
  changes: Array<{ path: string; before: unknown; after: unknown }> = [],
): Array<{ path: string; before: unknown; after: unknown }> {
  if (canonicalJson(before) === canonicalJson(after)) return changes;
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isRecord(before) && isRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      diffValues(before[key], after[key], path ? `${path}.${key}` : key, changes);
    }
  } else if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    for (const [index, entry] of before.entries())
      diffValues(entry, after[index], `${path}[${index}]`, changes);
  } else {
    changes.push({ path: path || '(root)', before, after });
  }
  return changes;
}
