import { BatonError } from '../errors.js';
import type { WorkflowDefinition } from '../ir/workflow.js';
import type { Store, SubCallRecord } from '../ports/store.js';
import { type ToolApprovalRequest, toolApprovalKinds } from '../steps/agent-tool-approval.js';
import type { ApprovalDecision } from '../steps/approval-step.js';
import { parseToolInput } from '../steps/tool-step.js';
import { pendingQuestion } from './answer-question.js';
import { type ApprovalInput, decideApproval, diffValues } from './decide-approval.js';
import { recordOnlyDecision } from './record-decision.js';
import { requireRun } from './require-run.js';
import type { EngineServices } from './run-state.js';

/** A decision on a waiting approval step or, with `call`, on a gated tool call of an agent. */
export type DecisionInput = ApprovalInput & { call?: number };

/** A gated tool call of an agent waiting for a person. */
export interface WaitingToolCall extends ToolApprovalRequest {
  path: string;
}

/**
 * Records a decision on whatever waits at `path`: an approval step, or a gated tool call of an
 * agent step (`call` names it; it may be left out when one call waits).
 */
export async function decideWaiting(
  services: EngineServices,
  runId: string,
  path: string,
  input: DecisionInput,
  definition?: WorkflowDefinition,
): Promise<ApprovalDecision> {
  const steps = await services.store.listSteps(runId);
  const record = steps.find((step) => step.path === path);
  if (record?.kind !== 'agent' && input.call === undefined) {
    return decideApproval(services, runId, path, input, definition);
  }
  return decideToolCall(services, runId, path, input);
}

/**
 * Records a person's decision on a gated tool call. An edit replaces the call's arguments (never
 * its tool) and is checked against the tool's own input schema, refinements included: an invalid
 * edit is refused with `INPUT_INVALID` and nothing is written. Exactly one decision is kept.
 */
export async function decideToolCall(
  services: EngineServices,
  runId: string,
  path: string,
  input: DecisionInput,
): Promise<ApprovalDecision> {
  await requireRun(services.store, runId);
  const record = (await services.store.listSteps(runId)).find((step) => step.path === path);
  const waiting = record?.status === 'waiting' ? await listWaitingCalls(services.store, runId, path) : [];
  const choose = `Waiting calls: ${waiting.map((call) => `--call ${call.call} (${call.tool})`).join(', ')}.`;
  const chosen =
    input.call === undefined && waiting.length === 1
      ? waiting[0]
      : waiting.find((call) => call.call === input.call);
  if (!chosen) {
    const which = input.call === undefined ? 'a tool call' : `call ${input.call}`;
    throw new BatonError(
      'APPROVAL_NOT_PENDING',
      `Step "${path}" of run ${runId} has no ${which} waiting for approval${waiting.length > 1 && input.call === undefined ? ' (several wait: choose one)' : ''}.`,
      { stepPath: path, hint: waiting.length ? choose : 'This step waits on no tool call.' },
    );
  }
  const by = input.by ?? 'unknown';
  const decision: ApprovalDecision = { action: input.action, by, at: services.clock.now() };
  if (input.action === 'reject') decision.reason = input.reason;
  else {
    if (input.comment !== undefined) decision.comment = input.comment;
    if (input.edit !== undefined) {
      decision.edit = checkEdit(services, path, chosen, input.edit);
      decision.diff = diffValues(chosen.args, decision.edit);
    }
  }
  return recordOnlyDecision(services.store, {
    runId,
    path,
    sequence: chosen.call + 2,
    kind: toolApprovalKinds.decision,
    name: chosen.tool,
    response: decision,
    createdAt: decision.at,
  });
}

/**
 * One thing a run waits on: an approval step, a gated tool call of an agent (`call`), or a
 * question a code step asked (`ctx.interrupt`).
 */
export interface WaitingItem {
  path: string;
  kind: 'approval' | 'tool-call' | 'question';
  call?: number;
  tool?: string;
  args?: unknown;
  instructions?: string;
  expiresAt?: number;
  /** A question's key and prompt. */
  key?: string;
  prompt?: string;
}

/** Everything a run waits on, in step order: the one list `baton runs` and `baton show` print. */
export async function listWaiting(store: Store, runId: string): Promise<WaitingItem[]> {
  const items: WaitingItem[] = [];
  for (const step of await store.listSteps(runId)) {
    if (step.status !== 'waiting') continue;
    if (step.kind === 'approval') {
      items.push({ path: step.path, kind: 'approval' });
      continue;
    }
    const calls = await store.listSubCalls(runId, step.path);
    if (step.kind === 'agent') {
      for (const call of waitingCallsOf(calls, step.path)) {
        const item: WaitingItem = {
          path: step.path,
          kind: 'tool-call',
          call: call.call,
          tool: call.tool,
          args: call.args,
        };
        if (call.instructions !== undefined) item.instructions = call.instructions;
        if (call.expiresAt !== undefined) item.expiresAt = call.expiresAt;
        items.push(item);
      }
    }
    // A code step, or a tool an agent called, that asked a person (`ctx.interrupt`).
    const question = pendingQuestion(calls);
    const asked = question?.request as { prompt?: string } | undefined;
    if (!question) continue;
    items.push({
      path: step.path,
      kind: 'question',
      ...(question.name === undefined ? {} : { key: question.name }),
      ...(asked?.prompt === undefined ? {} : { prompt: asked.prompt }),
    });
  }
  return items;
}

/** The gated calls of an agent step that have a request and no decision yet. */
export async function listWaitingCalls(
  store: Store,
  runId: string,
  path: string,
): Promise<WaitingToolCall[]> {
  return waitingCallsOf(await store.listSubCalls(runId, path), path);
}

function waitingCallsOf(calls: readonly SubCallRecord[], path: string): WaitingToolCall[] {
  const taken = new Set(calls.map((call) => call.sequence));
  return calls
    .filter((call) => call.kind === toolApprovalKinds.request && !taken.has(call.sequence + 1))
    .map((call) => ({ ...(call.request as ToolApprovalRequest), path }));
}

function checkEdit(services: EngineServices, path: string, call: WaitingToolCall, edit: unknown): unknown {
  const tool = services.tools.get(call.tool);
  if (!tool) {
    throw new BatonError(
      'TOOL_NOT_FOUND',
      `Cannot check the edit of call ${call.call}: tool "${call.tool}" is not registered in this process.`,
      { stepPath: path, hint: 'Pass --workflow <file> so the workflow module and its tools are loaded.' },
    );
  }
  try {
    parseToolInput(tool, call.tool, edit, path);
  } catch (error) {
    if (BatonError.is(error)) {
      throw new BatonError(
        'INPUT_INVALID',
        `The edited arguments of call ${call.call} (${call.tool}) do not fit the tool's input schema; nothing was recorded. ${error.message}`,
        { stepPath: path, details: error.details, hint: 'Fix the edit file and decide again.' },
      );
    }
    throw error;
  }
  return edit;
}
