import { BatonError } from '../errors.js';
import { renderMapping, renderTemplate } from '../expressions/render-template.js';
import { toMilliseconds } from '../ir/duration.js';
import type { ApprovalStep } from '../ir/step.js';
import type { SubCallRecord } from '../ports/store.js';
import { checkAgainstSchema } from '../runner/output-schema.js';
import type { StepContext, StepHandler, StepOutcome } from '../runner/run-state.js';

/** What a person decided, as journaled. */
export interface ApprovalDecision {
  action: 'approve' | 'reject';
  by: string;
  at: number;
  comment?: string;
  reason?: string;
  /** The edited subject, when approved with edits. */
  edit?: unknown;
  /** What the edit changed: one entry per changed path. */
  diff?: Array<{ path: string; before: unknown; after: unknown }>;
}

/**
 * The output of an approval step with `outcome: true`: how it was decided, so the workflow can
 * branch on a rejection as a value.
 */
export type ApprovalOutcome<T = unknown> =
  | { decision: 'approved'; value: T; by: string; comment?: string }
  | { decision: 'edited'; value: T; by: string; comment?: string }
  | { decision: 'rejected'; reason: string; by: string };

export interface ApprovalRequest {
  subject: unknown;
  instructions?: string;
  requestedAt: number;
  expiresAt?: number;
}

/**
 * `approval`: suspends the run until a person approves, rejects, or approves with edits. The
 * request and the decision are journaled as sub-calls of the step, so the process may exit while
 * it waits and any process can continue the run once a decision is recorded. The output is the
 * subject as approved (edited or not); a rejection is an `APPROVAL_REJECTED` error, which the
 * step's `onError` may route.
 */
export const approvalStep: StepHandler<ApprovalStep> = {
  leaf: false,
  async execute(step, context) {
    const { run, path } = context;
    const store = run.services.store;
    const { request, decision } = latestApproval(await store.listSubCalls(run.id, path));
    const now = run.services.clock.now();
    if (!request) {
      const subject = await renderMapping(step.subject ?? {}, context.scope, context.expressions);
      context.setInput(subject);
      const created: ApprovalRequest = { subject, requestedAt: now };
      if (step.instructions !== undefined) {
        created.instructions = String(
          await renderTemplate(step.instructions, context.scope, context.expressions),
        );
      }
      if (step.expires !== undefined) created.expiresAt = now + toMilliseconds(step.expires);
      await run.journal.writeSubCall({
        runId: run.id,
        path,
        sequence: 0,
        kind: 'approval-request',
        request: created,
        createdAt: now,
      });
      run.emit({
        type: 'approval-request',
        runId: run.id,
        path,
        subject,
        time: now,
        ...(created.instructions === undefined ? {} : { instructions: created.instructions }),
        ...(created.expiresAt === undefined ? {} : { expiresAt: created.expiresAt }),
      });
      return waitUntil(path, created.expiresAt);
    }
    // The subject is what was proposed and journaled: evaluating it again could change it, or fail
    // in a process that has not loaded the functions it was computed with.
    const pending = request.request as ApprovalRequest;
    context.setInput(pending.subject);
    if (decision) return decided(step, context, pending, decision.response as ApprovalDecision);
    if (pending.expiresAt !== undefined && now >= pending.expiresAt) {
      const expired: ApprovalDecision =
        step.onExpiry === 'approve'
          ? { action: 'approve', by: 'baton', at: now, comment: 'approved when the request expired' }
          : { action: 'reject', by: 'baton', at: now, reason: 'the request expired before anyone decided' };
      // A person may decide at the same moment: whichever decision was recorded first stands.
      const earlier = await store.insertSubCall({
        runId: run.id,
        path,
        sequence: 1,
        kind: 'approval-decision',
        response: expired,
        createdAt: now,
      });
      return decided(step, context, pending, (earlier?.response as ApprovalDecision | undefined) ?? expired);
    }
    return waitUntil(path, pending.expiresAt);
  },
};

/** The request of an approval step and the decision on it, if any. */
export function latestApproval(calls: SubCallRecord[]): {
  request?: SubCallRecord;
  decision?: SubCallRecord;
} {
  const request = calls.find((call) => call.kind === 'approval-request');
  const decision = calls.find((call) => call.kind === 'approval-decision');
  return { ...(request ? { request } : {}), ...(decision ? { decision } : {}) };
}

function decided(
  step: ApprovalStep,
  context: StepContext,
  request: ApprovalRequest,
  decision: ApprovalDecision,
): StepOutcome {
  const { run, path } = context;
  run.emit({
    type: 'approval-response',
    runId: run.id,
    path,
    action: decision.action,
    by: decision.by,
    edited: decision.edit !== undefined,
    time: run.services.clock.now(),
  });
  const edited = decision.edit !== undefined;
  const note = `${decision.action === 'reject' ? 'rejected' : 'approved'} by ${decision.by}${edited ? ' with edits' : ''}`;
  if (step.outcome === true) {
    // The schema describes the subject: check the value approved as run-step checks other outputs.
    const subject = step.output
      ? checkAgainstSchema(request.subject, step.output, 'OUTPUT_INVALID', path)
      : request.subject;
    return { output: outcomeOf({ ...request, subject }, decision), note, checked: true };
  }
  if (decision.action === 'reject') {
    throw new BatonError(
      'APPROVAL_REJECTED',
      `Step "${path}" was rejected by ${decision.by}: ${decision.reason ?? 'no reason given'}.`,
      {
        stepPath: path,
        details: { decision },
        hint: 'Route rejections with `onError: { route: <step> }`, or replay the run from an earlier step.',
      },
    );
  }
  return {
    output: edited ? decision.edit : request.subject,
    note: `${note}${decision.comment ? `: ${decision.comment}` : ''}`,
  };
}

function outcomeOf(request: ApprovalRequest, decision: ApprovalDecision): ApprovalOutcome {
  const { by, comment } = decision;
  if (decision.action === 'reject') return { decision: 'rejected', reason: decision.reason ?? '', by };
  const outcome: ApprovalOutcome =
    decision.edit === undefined
      ? { decision: 'approved', value: request.subject, by }
      : { decision: 'edited', value: decision.edit, by };
  if (comment !== undefined) outcome.comment = comment;
  return outcome;
}

function waitUntil(path: string, expiresAt: number | undefined): StepOutcome {
  return {
    output: undefined,
    waiting: expiresAt === undefined ? { paths: [path] } : { paths: [path], wakeAt: expiresAt },
  };
}
