import type { ToolSet } from 'ai';
import { BatonError } from '../errors.js';
import type { AgentStep, JsonSchema } from '../ir/step.js';
import type { StepContext, StepHandler, StepOutcome } from '../runner/run-state.js';
import {
  type AgentState,
  type AgentToolCall,
  answerToolCalls,
  describeTools,
  journaledAs,
} from './agent-tool-calls.js';
import { loadAiSdk } from './ai-sdk.js';
import { generateTurn, type ModelTurn } from './call-model.js';
import { renderText } from './llm-step.js';
import { checkAnswer, defaultMaxRepairs, invalidAnswer, repairPrompt } from './structured-answer.js';

export type { AgentToolCall } from './agent-tool-calls.js';

/** The output of an agent step without an `output` schema. */
export interface AgentResult {
  answer: string;
  turns: number;
  toolCalls: AgentToolCall[];
}

/** A model turn as the journal keeps it: enough to continue the conversation without the model. */
type JournaledTurn = Omit<ModelTurn, 'finishReason'>;

/**
 * `agent`: a model with tools, in a loop this step owns. Each turn is one model call; the tool
 * calls of a turn run in parallel and their results (or what went wrong) go back to the model.
 * Every turn and tool call is journaled by sequence number before the next action, so a resumed
 * agent rebuilds its conversation from the journal and repeats no finished turn or tool call.
 * Calling a tool again with the same arguments earns one notice; doing it again fails the step
 * with `LOOP_STUCK`. A model that still calls tools on turn `maxIterations` fails the step with
 * `LOOP_LIMIT_REACHED`.
 *
 * Output: `{ answer, turns, toolCalls }`. With an `output` schema it is the final answer parsed
 * as JSON and checked (an invalid one goes back for repair, twice at most), and the summary of
 * turns and tool calls goes to the step's note.
 */
export const agentStep: StepHandler<AgentStep> = {
  leaf: true,
  async execute(step, context) {
    const prompt = await renderText(step.prompt, context);
    const given = step.system === undefined ? undefined : await renderText(step.system, context);
    const tools = describeTools(step, context, await loadAiSdk());
    context.setInput({ ...(given === undefined ? {} : { system: given }), prompt, tools: step.tools });
    const system = step.output ? withAnswerSchema(given, step.output) : given;
    const journaled = await context.run.services.store.listSubCalls(context.run.id, context.path);
    const state: AgentState = {
      messages: [{ role: 'user', content: prompt }],
      journal: new Map(journaled.map((call) => [call.sequence, call])),
      sequence: 0,
      turns: 0,
      repairs: 0,
      toolCalls: [],
      seen: new Map(),
      warned: false,
    };
    for (;;) {
      // A cancelled agent starts no new turn: the turns so far are journaled for a resume.
      context.signal.throwIfAborted();
      state.turns++;
      const turn = await takeTurn(step, context, state, system, tools);
      state.messages.push(...turn.messages);
      if (turn.toolCalls.length === 0) {
        const outcome = finish(step, context, state, turn);
        if (outcome) return outcome;
      } else if (state.turns >= step.maxIterations) {
        throw limitReached(step, context, state, turn);
      } else {
        state.messages.push(await answerToolCalls(step, context, state, turn.toolCalls));
      }
    }
  },
};

/** The next model turn: from the journal when an earlier process made it, else from the model. */
async function takeTurn(
  step: AgentStep,
  context: StepContext,
  state: AgentState,
  system: string | undefined,
  tools: ToolSet,
): Promise<JournaledTurn> {
  const sequence = state.sequence++;
  const recorded = journaledAs(context, state, sequence, 'agent-turn');
  if (recorded) {
    // Paid for before the crash: the step's and the run's totals (and budgets) still count it.
    const turn = recorded.response as JournaledTurn;
    if (turn.usage) context.addUsage(turn.usage, turn.costUsd ?? 0);
    return turn;
  }
  const { finishReason: _, ...turn } = await generateTurn(context, {
    model: step.model,
    system,
    messages: state.messages,
    tools,
    temperature: step.temperature,
    maxOutputTokens: step.maxOutputTokens,
  });
  await context.run.journal.writeSubCall({
    runId: context.run.id,
    path: context.path,
    sequence,
    kind: 'agent-turn',
    name: turn.model,
    request: { turn: state.turns },
    response: turn,
    createdAt: context.run.services.clock.now(),
  });
  return turn;
}

/** The outcome of a turn without tool calls, or undefined when its answer goes back for repair. */
function finish(
  step: AgentStep,
  context: StepContext,
  state: AgentState,
  turn: JournaledTurn,
): StepOutcome | undefined {
  const note = `${state.turns} turn(s), ${state.toolCalls.length} tool call(s)`;
  if (!step.output) {
    const output: AgentResult = { answer: turn.text, turns: state.turns, toolCalls: state.toolCalls };
    return { output, model: turn.model, note };
  }
  const checked = checkAnswer(turn.text, step.output);
  if (checked.ok) return { output: checked.value, model: turn.model, note };
  if (state.repairs >= (step.maxRepairs ?? defaultMaxRepairs) || state.turns >= step.maxIterations) {
    throw invalidAnswer(context.path, turn.model, turn.text, checked.issues, {
      repairs: state.repairs,
      turns: state.turns,
      toolCalls: state.toolCalls,
    });
  }
  state.repairs++;
  state.messages.push({ role: 'user', content: repairPrompt(checked.issues, step.output) });
  return undefined;
}

function limitReached(
  step: AgentStep,
  context: StepContext,
  state: AgentState,
  turn: JournaledTurn,
): BatonError {
  return new BatonError(
    'LOOP_LIMIT_REACHED',
    `Agent "${context.path}" reached maxIterations (${step.maxIterations}) while the model still wanted to call tools.`,
    {
      stepPath: context.path,
      hint: 'Raise maxIterations, or make the prompt say when the task is done.',
      details: {
        maxIterations: step.maxIterations,
        toolCalls: state.toolCalls,
        pending: turn.toolCalls.map((call) => ({ tool: call.toolName, input: call.input })),
      },
    },
  );
}

function withAnswerSchema(system: string | undefined, schema: JsonSchema): string {
  const instruction =
    'When you have finished, give your final answer as a JSON value only, with no other text, ' +
    `matching this JSON Schema:\n${JSON.stringify(schema)}`;
  return system === undefined ? instruction : `${system}\n\n${instruction}`;
}
