import { BatonError } from '../errors.js';
import type { Store, SubCallRecord } from '../ports/store.js';
import type { ApprovalDecision } from '../steps/approval-step.js';

/**
 * Records a decision sub-call unless one is already there, and returns the decision that holds:
 * the first one recorded. A person deciding and a deadline passing at the same time cannot both win.
 */
export async function recordDecision(store: Store, record: SubCallRecord): Promise<ApprovalDecision> {
  const earlier = await store.insertSubCall(record);
  return (earlier ?? record).response as ApprovalDecision;
}

/** Records a person's decision; a second decision on the same request is refused. */
export async function recordOnlyDecision(store: Store, record: SubCallRecord): Promise<ApprovalDecision> {
  const decision = record.response as ApprovalDecision;
  const held = await recordDecision(store, record);
  if (held === decision) return held;
  throw new BatonError(
    'APPROVAL_NOT_PENDING',
    `Call ${record.sequence - 2} of step "${record.path}" was already decided by ${held.by} (${held.action}).`,
    { stepPath: record.path, details: { decision: held } },
  );
}
