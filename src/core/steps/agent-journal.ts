import type { ModelMessage } from 'ai';
import { BatonError, type BatonErrorCode, toBatonError } from '../errors.js';
import type { SubCallRecord } from '../ports/store.js';
import { createCodeContext, toolCallContextBase } from '../runner/code-context.js';
import { PauseSignal } from '../runner/pause.js';
import type { StepContext } from '../runner/run-state.js';
import type { StateValue } from './agent-state.js';
import type { ModelTurn } from './call-model.js';
import { invokeTool } from './tool-step.js';

/** What an agent keeps of its loop and its tool calls, and how a call's result is journaled. */

/** One tool call of an agent, as its output and `baton show` list it. */
export interface AgentToolCall {
  tool: string;
  input: unknown;
  /** The call number: the sequence in the step's journal, part of the idempotency key. */
  call?: number;
  output?: unknown;
  error?: string;
  /** Refused without running (a guard, a tool not offered in this status, a repeat). */
  refused?: boolean;
  /** A person's decision on a gated call. */
  decision?: { action: 'approve' | 'reject'; by: string; reason?: string; changes?: string };
}

/** What the agent loop knows; rebuilt from the journal when a stopped agent resumes. */
export interface AgentLoop {
  messages: ModelMessage[];
  journal: Map<number, SubCallRecord>;
  /** The sequence number of the next sub-call; turns and tool calls share one numbering. */
  sequence: number;
  turns: number;
  repairs: number;
  toolCalls: AgentToolCall[];
  /** `[tool, input]` as canonical JSON → the sequence of its first call. */
  seen: Map<string, number>;
  /** `[tool, input]` of calls a person rejected → what the model is told when it asks again. */
  rejected: Map<string, string>;
  /** The model has been told once that it repeated a call. */
  warned: boolean;
  /** The sequence of the current turn's journal record. */
  turnSequence: number;
  /** The explicit state, when the step has one. */
  state: StateValue | undefined;
  /** The model's text of the current turn, shown to a reviewer of a gated call. */
  text: string;
}

export type ToolCall = ModelTurn['toolCalls'][number];

/** A tool call's result as the journal keeps it; `error` is what the model was told. */
export type JournaledResult =
  | { output: unknown; decision?: AgentToolCall['decision']; args?: unknown }
  | {
      error: string;
      code: BatonErrorCode;
      fatal?: boolean;
      refused?: boolean;
      decision?: AgentToolCall['decision'];
    };

/** Journals a tool call's result: a resumed agent takes it from here and does not run the call again. */
export async function writeToolResult(
  context: StepContext,
  call: ToolCall,
  sequence: number,
  result: JournaledResult,
): Promise<void> {
  await context.run.journal.writeSubCall({
    runId: context.run.id,
    path: context.path,
    sequence,
    kind: 'tool-call',
    name: call.toolName,
    request: { toolCallId: call.toolCallId, input: call.input },
    response: result,
    createdAt: context.run.services.clock.now(),
  });
}

/** Runs a tool; an error goes back to the model unless the tool marks it fatal. */
export async function executeToolCall(
  context: StepContext,
  call: ToolCall,
  input: unknown,
  sequence: number,
): Promise<JournaledResult> {
  try {
    const code = createCodeContext(context, toolCallContextBase(sequence));
    return { output: await invokeTool(context, call.toolName, input, sequence, code, call.toolCallId) };
  } catch (thrown) {
    // A call cut short by cancellation, or waiting for an answer (`ctx.interrupt`), has no
    // result: it is not journaled, so a resume runs it again.
    if (context.signal.aborted || thrown instanceof PauseSignal) throw thrown;
    const error = toBatonError(thrown, 'TOOL_FAILED', context.path);
    const cause = error.cause;
    const message = error.code === 'TOOL_FAILED' && cause instanceof Error ? cause.message : error.message;
    const fatal =
      context.run.services.tools.get(call.toolName)?.fatal === true ||
      (cause as { fatal?: unknown } | undefined)?.fatal === true ||
      (thrown as { fatal?: unknown } | undefined)?.fatal === true;
    const result = { error: `Tool "${call.toolName}" failed: ${message}`, code: error.code };
    return fatal ? { ...result, fatal: true } : result;
  }
}

/** The journal's record at a sequence, checked to be of the kind this point of the loop expects. */
export function journaledAs(
  context: StepContext,
  loop: AgentLoop,
  sequence: number,
  kind: string,
): SubCallRecord | undefined {
  const recorded = loop.journal.get(sequence);
  if (!recorded || recorded.kind === kind) return recorded;
  throw new BatonError(
    'STORE_CONFLICT',
    `The journal of agent "${context.path}" has a ${recorded.kind} at sequence ${sequence} where a ${kind} was expected.`,
    {
      stepPath: context.path,
      hint: 'The journal was written by another definition of this step; start a new run.',
      details: { sequence, expected: kind, found: recorded.kind },
    },
  );
}
