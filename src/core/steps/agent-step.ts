import type { ToolSet } from 'ai';
import { computeValue } from '../expressions/render-template.js';
import type { AgentStep, Computed, JsonSchema } from '../ir/step.js';
import type { StepContext, StepHandler } from '../runner/run-state.js';
import {
  end,
  fatalToolError,
  hasAnswerTransition,
  limitReached,
  noteOf,
  type Progress,
  track,
  waitFor,
} from './agent-endings.js';
import { type AgentLoop, type AgentToolCall, journaledAs } from './agent-journal.js';
import {
  type AgentEvent,
  allowedToolsOf,
  applyEvent,
  checkState,
  type StateValue,
  statusOf,
} from './agent-state.js';
import { answerToolCalls } from './agent-tool-calls.js';
import { describeTools, resolveTools } from './agent-tools.js';
import { loadAiSdk } from './ai-sdk.js';
import { generateTurn, type ModelTurn } from './call-model.js';
import { renderMessages, toModelMessages } from './conversation.js';
import { validatorOf } from './llm-step.js';
import { checkAnswer, defaultMaxRepairs, invalidAnswer, repairPrompt } from './structured-answer.js';
import { checkTruncation, endedAtDefaultLimit } from './truncation.js';

export type { AgentToolCall } from './agent-journal.js';

/** The output of an agent step without `state` or an `output` schema. */
export interface AgentResult {
  answer: string;
  turns: number;
  toolCalls: AgentToolCall[];
}

/** A model turn as the journal keeps it: enough to continue the conversation without the model. */
type JournaledTurn = Omit<ModelTurn, 'finishReason'> & { finishReason?: string };

/**
 * `agent`: a model with tools, in a loop this step owns: a reducer over journaled events. Each
 * turn renders `system` and `prompt` from the current `state`, makes one model call, and turns
 * each tool event (result, error, refusal, a person's decision) into the next state through
 * `state.on`; a terminal status ends the loop without another model call. Every turn (with the
 * state before and after it) and every tool call is journaled by sequence number before the next
 * action, so a resumed agent rebuilds the same prompts and repeats no finished turn or tool call.
 * A gated call waits for a person: the step returns `waiting` and continues once someone decides.
 *
 * Without `state` the output is `{ answer, turns, toolCalls }` (or, with an `output` schema, the
 * final answer parsed as JSON and checked, with repair turns).
 */
export const agentStep: StepHandler<AgentStep> = {
  leaf: true,
  async execute(step, context) {
    const names = await resolveTools(step, context);
    const earlier = await renderMessages(step.messages, context);
    const ai = await loadAiSdk();
    const journaled = await context.run.services.store.listSubCalls(context.run.id, context.path);
    const loop: AgentLoop = {
      messages: [...toModelMessages(earlier), { role: 'user', content: '' }],
      journal: new Map(journaled.map((call) => [call.sequence, call])),
      sequence: 0,
      turns: 0,
      repairs: 0,
      toolCalls: [],
      seen: new Map(),
      rejected: new Map(),
      warned: false,
      turnSequence: 0,
      state: step.state ? { ...step.state.initial } : undefined,
      text: '',
    };
    if (loop.state) checkState(step, context, 'initial', loop.state);
    const progress: Progress = {
      history: loop.state ? [statusOf(loop.state)] : [],
      unchanged: 0,
      noticed: false,
      stuckAfter: step.state?.stuckAfter ?? 3,
    };
    const notes: string[] = [];
    for (;;) {
      // A cancelled agent starts no new turn: the turns so far are journaled for a resume.
      context.signal.throwIfAborted();
      loop.turns++;
      const offered = allowedToolsOf(step, names, loop.state);
      const scope = {
        ...context.scope,
        state: loop.state,
        turn: loop.turns,
        history: progress.history,
        allowedTools: offered,
      };
      const prompt = await renderWith(step.prompt, context, scope);
      const given = step.system === undefined ? undefined : await renderWith(step.system, context, scope);
      if (loop.turns === 1) {
        context.setInput({
          ...(given === undefined ? {} : { system: given }),
          ...(earlier.length ? { messages: earlier } : {}),
          prompt,
          tools: names,
          ...(loop.state ? { state: loop.state } : {}),
        });
      }
      loop.messages[earlier.length] = { role: 'user', content: prompt };
      const system = step.output && !step.state ? withAnswerSchema(given, step.output) : given;
      const before = loop.state;
      const turn = await takeTurn(step, context, loop, system, describeTools(offered, context, ai), offered);
      const truncated = checkTruncation(context, turn, step.onTruncate, step.maxOutputTokens);
      loop.messages.push(...turn.messages);
      loop.text = turn.text;
      if (truncated) notes.push(truncated);
      if (truncated && !endedAtDefaultLimit(turn, step.maxOutputTokens)) {
        // A cut-off turn is never the end: the model is asked to go on.
        if (loop.turns >= step.maxIterations) throw limitReached(step, context, loop, turn);
        loop.messages.push({
          role: 'user',
          content: 'Your answer was cut off at the output limit. Continue.',
        });
        continue;
      }
      if (turn.toolCalls.length === 0) {
        if (!loop.state) {
          const outcome = await finish(step, context, loop, turn);
          if (outcome) return outcome;
          continue;
        }
        const event: AgentEvent = { type: 'answer', answer: turn.text };
        loop.state = (await applyEvent(step, context, loop.state, event)) ?? loop.state;
        await recordStateAfter(context, loop, before);
        const ended = end(step, context, loop, turn, notes);
        if (ended) return ended;
        if (!hasAnswerTransition(step)) {
          return {
            output: { state: loop.state, answer: turn.text },
            model: turn.model,
            note: noteOf(loop, notes),
          };
        }
        if (loop.turns >= step.maxIterations) throw limitReached(step, context, loop, turn);
        track(context, loop, progress, before);
        loop.messages.push({
          role: 'user',
          content: `The task is not finished: the state is ${statusOf(loop.state)}. Continue with the tools: ${allowedToolsOf(step, names, loop.state).join(', ')}.`,
        });
        continue;
      }
      if (loop.turns >= step.maxIterations) throw limitReached(step, context, loop, turn);
      const answered = await answerToolCalls(step, context, loop, turn.toolCalls, offered);
      if (loop.state) {
        for (const event of answered.events) {
          loop.state = (await applyEvent(step, context, loop.state, event)) ?? loop.state;
        }
      }
      if (answered.fatal) throw fatalToolError(context, loop, answered.fatal);
      if (answered.pending.length > 0 || answered.questions.length > 0) {
        return waitFor(context, answered.pending, answered.questions);
      }
      loop.messages.push(answered.message);
      if (loop.state) {
        await recordStateAfter(context, loop, before);
        const ended = end(step, context, loop, turn, notes);
        if (ended) return ended;
        track(context, loop, progress, before);
      }
    }
  },
};

async function renderWith(value: Computed, context: StepContext, scope: Record<string, unknown>) {
  const rendered = await computeValue(value, scope, {
    functions: context.functions,
    stepPath: context.path,
    asTemplate: true,
  });
  return typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
}

/** The next model turn: from the journal when an earlier process made it, else from the model. */
async function takeTurn(
  step: AgentStep,
  context: StepContext,
  loop: AgentLoop,
  system: string | undefined,
  tools: ToolSet,
  offered: string[],
): Promise<JournaledTurn> {
  const sequence = loop.sequence++;
  loop.turnSequence = sequence;
  const recorded = journaledAs(context, loop, sequence, 'agent-turn');
  if (recorded) {
    // Paid for before the crash: the step's and the run's totals (and budgets) still count it.
    const turn = recorded.response as JournaledTurn;
    if (turn.usage) context.addUsage(turn.usage, turn.costUsd ?? 0);
    return turn;
  }
  const turn = await generateTurn(context, {
    model: step.model,
    system,
    messages: loop.messages,
    tools,
    temperature: step.temperature,
    maxOutputTokens: step.maxOutputTokens,
  });
  const record = {
    runId: context.run.id,
    path: context.path,
    sequence,
    kind: 'agent-turn',
    name: turn.model,
    request: {
      turn: loop.turns,
      ...(loop.state ? { state: { before: loop.state }, tools: offered } : {}),
    },
    response: turn,
    createdAt: context.run.services.clock.now(),
  };
  await context.run.journal.writeSubCall(record);
  loop.journal.set(sequence, record);
  return turn;
}

/** Adds the state after a turn to the turn's journal record, for the trace. */
async function recordStateAfter(context: StepContext, loop: AgentLoop, before: StateValue | undefined) {
  const record = loop.journal.get(loop.turnSequence);
  const request = record?.request as { state?: { before: unknown; after?: unknown } } | undefined;
  if (!record || !request || request.state?.after !== undefined) return;
  const updated = { ...record, request: { ...request, state: { before, after: loop.state } } };
  await context.run.journal.writeSubCall(updated);
  loop.journal.set(record.sequence, updated);
}

/**
 * The outcome of a turn without tool calls, or undefined when its answer goes back for repair:
 * an answer that breaks the `output` schema or fails `validate` is shown its issues, as an `llm`
 * step's is, within `maxRepairs`.
 */
async function finish(step: AgentStep, context: StepContext, loop: AgentLoop, turn: JournaledTurn) {
  const note = noteOf(loop, []);
  const checked = step.output
    ? checkAnswer(turn.text, step.output)
    : {
        ok: true as const,
        value: { answer: turn.text, turns: loop.turns, toolCalls: loop.toolCalls } satisfies AgentResult,
      };
  const issues = checked.ok
    ? ((await validatorOf(step, context)?.(checked.value))?.map((message) => ({ path: '(root)', message })) ??
      [])
    : checked.issues;
  if (checked.ok && issues.length === 0) {
    return { output: checked.value, model: turn.model, note, checked: true };
  }
  if (loop.repairs >= (step.maxRepairs ?? defaultMaxRepairs) || loop.turns >= step.maxIterations) {
    throw invalidAnswer(context.path, turn.model, turn.text, issues, {
      repairs: loop.repairs,
      turns: loop.turns,
      toolCalls: loop.toolCalls,
    });
  }
  loop.repairs++;
  loop.messages.push({ role: 'user', content: repairPrompt(issues, step.output) });
  return undefined;
}

function withAnswerSchema(system: string | undefined, schema: JsonSchema): string {
  const instruction =
    'When you have finished, give your final answer as a JSON value only, with no other text, ' +
    `matching this JSON Schema:\n${JSON.stringify(schema)}`;
  return system === undefined ? instruction : `${system}\n\n${instruction}`;
}
