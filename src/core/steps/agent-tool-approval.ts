import { evaluateExpression } from '../expressions/evaluate-expression.js';
import { renderTemplate } from '../expressions/render-template.js';
import { toMilliseconds } from '../ir/duration.js';
import type { AgentStep } from '../ir/step.js';
import { recordDecision } from '../runner/record-decision.js';
import type { StepContext } from '../runner/run-state.js';
import {
  type AgentLoop,
  executeToolCall,
  type JournaledResult,
  journaledAs,
  type ToolCall,
  writeToolResult,
} from './agent-journal.js';
import type { StateValue } from './agent-state.js';
import type { ApprovalDecision } from './approval-step.js';

/** Why a call waits for a person: what the reviewer is told, and how long the request lasts. */
export interface ApprovalGate {
  instructions?: string;
  expiresInMs?: number;
}

/** A gated call's request as journaled (the sub-call after the call's own number). */
export interface ToolApprovalRequest {
  call: number;
  tool: string;
  args: unknown;
  state?: StateValue;
  /** The model's text of the turn that made the call. */
  text: string;
  instructions?: string;
  requestedAt: number;
  expiresAt?: number;
}

/** The kinds of the sub-calls of a gated call: request at `call + 1`, decision at `call + 2`. */
export const toolApprovalKinds = { request: 'tool-approval-request', decision: 'tool-approval-decision' };

/**
 * Whether a call waits for a person: `approve.<tool>` of the step (`true`, or `{ when }` over
 * `args` and `state`), else the tool's own `needsApproval`.
 */
export async function gateOf(
  step: AgentStep,
  context: StepContext,
  state: StateValue | undefined,
  call: ToolCall,
): Promise<ApprovalGate | undefined> {
  const policy = step.approve?.[call.toolName];
  const scope = { ...context.scope, args: call.input, state, tool: call.toolName };
  const options = { stepPath: context.path, functions: context.functions };
  if (policy === undefined || policy === false) {
    const needs = context.run.services.tools.get(call.toolName)?.needsApproval;
    const gated = typeof needs === 'function' ? await needs(call.input, { state }) : needs === true;
    return gated ? {} : undefined;
  }
  if (policy === true) return {};
  if (policy.when !== undefined) {
    const holds = policy.when.includes('{{')
      ? await renderTemplate(policy.when, scope, options)
      : await evaluateExpression(policy.when, scope, options);
    if (holds !== true) return undefined;
  }
  const gate: ApprovalGate = {};
  if (policy.instructions !== undefined) {
    gate.instructions = String(await renderTemplate(policy.instructions, scope, options));
  }
  if (policy.expires !== undefined) gate.expiresInMs = toMilliseconds(policy.expires);
  return gate;
}

type Pending = { call: number; tool: string; args: unknown; expiresAt?: number };

/**
 * A gated call: asks once (the request journaled with the arguments, the state and the model's
 * text), waits while no one has decided, and once decided runs the tool with the approved
 * arguments under its own call number, or answers the model with the rejection. The result is
 * journaled like any call, so a resume neither asks again nor runs the tool twice.
 */
export async function settleGated(
  context: StepContext,
  loop: AgentLoop,
  call: ToolCall,
  sequence: number,
  gate: ApprovalGate,
): Promise<{ result?: JournaledResult; pending?: Pending }> {
  const recorded = journaledAs(context, loop, sequence, 'tool-call');
  if (recorded) return { result: recorded.response as JournaledResult };
  const { run, path } = context;
  const store = run.services.store;
  const now = run.services.clock.now();
  const asked = journaledAs(context, loop, sequence + 1, toolApprovalKinds.request);
  let request = asked?.request as ToolApprovalRequest | undefined;
  if (!request) {
    request = { call: sequence, tool: call.toolName, args: call.input, text: loop.text, requestedAt: now };
    if (loop.state) request.state = loop.state;
    if (gate.instructions !== undefined) request.instructions = gate.instructions;
    if (gate.expiresInMs !== undefined) request.expiresAt = now + gate.expiresInMs;
    await store.writeSubCall({
      runId: run.id,
      path,
      sequence: sequence + 1,
      kind: toolApprovalKinds.request,
      name: call.toolName,
      request,
      createdAt: now,
    });
    run.emit({
      type: 'approval-request',
      runId: run.id,
      path,
      call: sequence,
      subject: { tool: call.toolName, args: call.input },
      time: now,
      ...(request.instructions === undefined ? {} : { instructions: request.instructions }),
      ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt }),
    });
  }
  const pending: Pending = { call: sequence, tool: call.toolName, args: call.input };
  if (request.expiresAt !== undefined) pending.expiresAt = request.expiresAt;
  let decision = loop.journal.get(sequence + 2)?.response as ApprovalDecision | undefined;
  if (!decision) {
    if (request.expiresAt === undefined || now < request.expiresAt) return { pending };
    const expired: ApprovalDecision = {
      action: 'reject',
      by: 'baton',
      at: now,
      reason: 'the request expired before anyone decided',
    };
    decision = await recordDecision(store, {
      runId: run.id,
      path,
      sequence: sequence + 2,
      kind: toolApprovalKinds.decision,
      name: call.toolName,
      response: expired,
      createdAt: now,
    });
  }
  return { result: await decided(context, call, sequence, decision) };
}

async function decided(
  context: StepContext,
  call: ToolCall,
  sequence: number,
  decision: ApprovalDecision,
): Promise<JournaledResult> {
  const { run, path } = context;
  const edited = decision.edit !== undefined;
  run.emit({
    type: 'approval-response',
    runId: run.id,
    path,
    call: sequence,
    action: decision.action,
    by: decision.by,
    edited,
    time: run.services.clock.now(),
  });
  let result: JournaledResult;
  if (decision.action === 'reject') {
    const reason = decision.reason ?? 'no reason given';
    result = {
      error: `The call of "${call.toolName}" was rejected by ${decision.by}: ${reason}. It did not run.`,
      code: 'APPROVAL_REJECTED',
      decision: { action: 'reject', by: decision.by, reason },
    };
  } else {
    const args = edited ? decision.edit : call.input;
    const ran = await executeToolCall(context, call, args, sequence);
    const changes = describeChanges(decision);
    const summary = { action: 'approve' as const, by: decision.by, ...(changes ? { changes } : {}) };
    result = { ...ran, decision: summary, ...(edited ? { args } : {}) };
  }
  await writeToolResult(context, call, sequence, result);
  return result;
}

/** What the reviewer changed, for the model: `approved by ana, who changed amount 120 → 80`. */
function describeChanges(decision: ApprovalDecision): string | undefined {
  const diff = decision.diff ?? [];
  if (diff.length === 0) return undefined;
  const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
  const changes = diff.map((change) => `${change.path} ${show(change.before)} → ${show(change.after)}`);
  return `Approved by ${decision.by}, who changed the arguments: ${changes.join(', ')}.`;
}
