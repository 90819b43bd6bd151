import { BatonError } from '../errors.js';
import { renderMapping, renderTemplate } from '../expressions/render-template.js';
import { toMilliseconds } from '../ir/duration.js';
import type { ApprovalStep } from '../ir/step.js';
import type { SubCallRecord } from '../ports/store.js';
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
    const subject = await renderMapping(step.subject ?? {}, context.scope, context.expressions);
    context.setInput(subject);
    const { request, decision } = latestApproval(await store.listSubCalls(run.id, path));
    const now = run.services.clock.now();
    if (!request) {
      const created: ApprovalRequest = { subject, requestedAt: now };
      if (step.instructions !== undefined) {
        created.instructions = String(
          await renderTemplate(step.instructions, context.scope, context.expressions),
        );
      }
      if (step.expires !== undefined) created.expiresAt = now + toMilliseconds(step.expires);
      await store.writeSubCall({
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
    const pending = request.request as ApprovalRequest;
    if (decision) return decided(context, pending, decision.response as ApprovalDecision);
    if (pending.expiresAt !== undefined && now >= pending.expiresAt) {
      const expired: ApprovalDecision =
        step.onExpiry === 'approve'
          ? { action: 'approve', by: 'baton', at: now, comment: 'approved when the request expired' }
          : { action: 'reject', by: 'baton', at: now, reason: 'the request expired before anyone decided' };
      await store.writeSubCall({
        runId: run.id,
        path,
        sequence: 1,
        kind: 'approval-decision',
        response: expired,
        createdAt: now,
      });
      return decided(context, pending, expired);
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

function decided(context: StepContext, request: ApprovalRequest, decision: ApprovalDecision): StepOutcome {
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
  const edited = decision.edit !== undefined;
  return {
    output: edited ? decision.edit : request.subject,
    note: `approved by ${decision.by}${edited ? ' with edits' : ''}${decision.comment ? `: ${decision.comment}` : ''}`,
  };
}

function waitUntil(path: string, expiresAt: number | undefined): StepOutcome {
  return {
    output: undefined,
    waiting: expiresAt === undefined ? { paths: [path] } : { paths: [path], wakeAt: expiresAt },
  };
}
