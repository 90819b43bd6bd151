import type { JSONValue, ModelMessage } from 'ai';
import { BatonError, type BatonErrorCode } from '../errors.js';
import type { AgentStep } from '../ir/step.js';
import { canonicalJson } from '../runner/canonical-json.js';
import { PauseSignal, type Question } from '../runner/pause.js';
import type { StepContext } from '../runner/run-state.js';
import {
  type AgentLoop,
  type AgentToolCall,
  executeToolCall,
  type JournaledResult,
  journaledAs,
  type ToolCall,
  writeToolResult,
} from './agent-journal.js';
import type { AgentEvent } from './agent-state.js';
import { type ApprovalGate, gateOf, settleGated } from './agent-tool-approval.js';
import { guardRefusal } from './agent-tool-guard.js';

export type { AgentLoop, AgentToolCall } from './agent-journal.js';

type ToolMessage = Extract<ModelMessage, { role: 'tool' }>;
type ToolResultPart = Extract<ToolMessage['content'][number], { type: 'tool-result' }>;

type Refusal = { error: string; code: BatonErrorCode };
type Plan = { call: ToolCall; sequence: number; refusal?: Refusal; gate?: ApprovalGate };

/** What one turn's tool calls came to. */
export interface AnsweredCalls {
  message: ToolMessage;
  /** Each call as an event for the state, in the model's order. */
  events: AgentEvent[];
  /** Gated calls still waiting for a person; the step waits while there are any. */
  pending: Array<{ call: number; tool: string; args: unknown; expiresAt?: number }>;
  /** The first call that failed fatally. */
  fatal?: { tool: string; error: string; call: number };
  /** Questions tools asked (`ctx.interrupt`); the step waits for their answers. */
  questions: Question[];
}

/**
 * Answers the tool calls of one turn: decides in the model's order which run (a call outside the
 * offered tools, a guard refusal, a repeat and a call rejected before are answered without
 * running), which wait for a person, runs the rest in parallel (or takes their results from the
 * journal) and journals each result as it arrives.
 */
export async function answerToolCalls(
  step: AgentStep,
  context: StepContext,
  loop: AgentLoop,
  calls: ToolCall[],
  offered: string[],
): Promise<AnsweredCalls> {
  const plans: Plan[] = [];
  for (const call of calls) plans.push(await plan(step, context, loop, call, offered));
  // Every call settles (and journals its result) before the turn goes on, even when another
  // waits for an answer: a resume then runs only the calls that have no result.
  const outcomes = await Promise.allSettled(
    plans.map(async (planned) => {
      if (planned.gate) return settleGated(context, loop, planned.call, planned.sequence, planned.gate);
      return { result: await settle(context, loop, planned) };
    }),
  );
  const answered: AnsweredCalls = {
    message: { role: 'tool', content: [] },
    events: [],
    pending: [],
    questions: [],
  };
  const settled = outcomes.map((outcome) => {
    if (outcome.status === 'fulfilled') return outcome.value;
    if (!(outcome.reason instanceof PauseSignal)) throw outcome.reason;
    answered.questions.push(outcome.reason.question);
    return { result: undefined, pending: undefined };
  });
  for (const [index, { result, pending }] of settled.entries()) {
    const { call, sequence } = plans[index] as Plan;
    if (pending) {
      answered.pending.push(pending);
      continue;
    }
    if (!result) continue;
    const summary = summarize(call, sequence, result);
    loop.toolCalls.push(summary);
    answered.message.content.push(toPart(call, result));
    answered.events.push(toEvent(call, result));
    if ('error' in result && result.fatal && !answered.fatal) {
      answered.fatal = { tool: call.toolName, error: result.error, call: sequence };
    }
    if ('error' in result && result.decision?.action === 'reject') {
      loop.rejected.set(canonicalJson([call.toolName, call.input]), result.error);
    }
  }
  return answered;
}

async function plan(
  step: AgentStep,
  context: StepContext,
  loop: AgentLoop,
  call: ToolCall,
  offered: string[],
): Promise<Plan> {
  const sequence = loop.sequence++;
  const refuse = (code: BatonErrorCode, error: string): Plan => ({
    call,
    sequence,
    refusal: { error, code },
  });
  if (!offered.includes(call.toolName)) {
    const now = loop.state ? ` in status ${String(loop.state.status)}` : '';
    return refuse(
      'TOOL_NOT_FOUND',
      `Tool "${call.toolName}" is not available${now}. Available tools: ${offered.join(', ') || 'none'}.`,
    );
  }
  if (call.invalid !== undefined)
    return refuse('INPUT_INVALID', `The input could not be read: ${call.invalid}`);
  const key = canonicalJson([call.toolName, call.input]);
  const rejected = loop.rejected.get(key);
  if (rejected !== undefined) {
    return refuse('APPROVAL_REJECTED', `This call was rejected before and is not asked again. ${rejected}`);
  }
  const earlier = loop.seen.get(key);
  if (earlier !== undefined) {
    if (loop.warned) {
      throw new BatonError(
        'LOOP_STUCK',
        `Agent "${context.path}" is stuck: it called "${call.toolName}" with the same arguments again after being told it already had that result.`,
        {
          stepPath: context.path,
          hint: 'Make the prompt or the tool descriptions say when the task is done, or give the tool a way to report progress.',
          details: { tool: call.toolName, input: call.input, turn: loop.turns, toolCalls: loop.toolCalls },
        },
      );
    }
    loop.warned = true;
    return refuse(
      'LOOP_STUCK',
      `You already called "${call.toolName}" with these arguments (call ${earlier}); its result is above and calling it again will not change it. ` +
        'Use that result, change the arguments, or give your final answer. Repeating a call again ends this task with an error.',
    );
  }
  loop.seen.set(key, sequence);
  const guarded = await guardRefusal(step, context, loop.state, call);
  if (guarded !== undefined) return refuse('TOOL_REFUSED', guarded);
  const gate = await gateOf(step, context, loop.state, call);
  if (gate) loop.sequence += 2; // the request and the decision follow the call's own number
  return gate ? { call, sequence, gate } : { call, sequence };
}

async function settle(context: StepContext, loop: AgentLoop, { call, sequence, refusal }: Plan) {
  const recorded = journaledAs(context, loop, sequence, 'tool-call');
  if (recorded) return recorded.response as JournaledResult;
  const result = refusal
    ? refuse(context, call, sequence, refusal)
    : await executeToolCall(context, call, call.input, sequence);
  await writeToolResult(context, call, sequence, result);
  return result;
}

/** A call answered without running the tool; events still show it as a call that failed. */
function refuse(context: StepContext, call: ToolCall, sequence: number, refusal: Refusal): JournaledResult {
  const { run, path } = context;
  const time = run.services.clock.now();
  const error = { code: refusal.code, message: refusal.error, stepPath: path, retryable: false };
  const { toolName: tool, input, toolCallId } = call;
  run.emit({ type: 'tool-call', runId: run.id, path, tool, sequence, toolCallId, input, time });
  run.emit({ type: 'tool-result', runId: run.id, path, tool, sequence, toolCallId, error, time });
  return { ...refusal, refused: true };
}

function summarize(call: ToolCall, sequence: number, result: JournaledResult): AgentToolCall {
  const summary: AgentToolCall = { tool: call.toolName, input: call.input, call: sequence };
  if ('error' in result) {
    summary.error = result.error;
    if (result.refused) summary.refused = true;
  } else summary.output = result.output;
  if (result.decision) summary.decision = result.decision;
  return summary;
}

function toEvent(call: ToolCall, result: JournaledResult): AgentEvent {
  const args = 'args' in result && result.args !== undefined ? result.args : call.input;
  const base = { tool: call.toolName, args };
  if (!('error' in result)) return { type: 'result', ...base, result: result.output };
  if (result.decision?.action === 'reject') return { type: 'rejected', ...base, reason: result.error };
  if (result.refused) return { type: 'refused', ...base, reason: result.error };
  return { type: 'error', ...base, error: result.error };
}

function toPart(call: ToolCall, result: JournaledResult): ToolResultPart {
  const { toolCallId, toolName } = call;
  if ('error' in result) {
    return { type: 'tool-result', toolCallId, toolName, output: { type: 'error-text', value: result.error } };
  }
  const changes = result.decision?.changes;
  const output = changes
    ? toModelOutput({ result: result.output, reviewer: changes })
    : toModelOutput(result.output);
  return { type: 'tool-result', toolCallId, toolName, output };
}

function toModelOutput(output: unknown): ToolResultPart['output'] {
  if (typeof output === 'string') return { type: 'text', value: output };
  if (output === undefined) return { type: 'json', value: null };
  try {
    return { type: 'json', value: JSON.parse(JSON.stringify(output)) as JSONValue };
  } catch {
    // JSON cannot hold this value (a cycle, a BigInt): the model still gets its text form.
    return { type: 'text', value: String(output) };
  }
}
