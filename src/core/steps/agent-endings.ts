import { BatonError } from '../errors.js';
import type { AgentStep } from '../ir/step.js';
import type { Question } from '../runner/pause.js';
import type { StepContext, StepOutcome } from '../runner/run-state.js';
import type { AgentLoop } from './agent-journal.js';
import { type StateValue, sameState, statusOf, terminalOf } from './agent-state.js';

/** How an agent's loop ends: a terminal status, a stuck loop, a fatal tool error, a limit, a wait. */

/** What the loop tracks of an explicit state across turns. */
export interface Progress {
  /** The statuses visited, in order. */
  history: string[];
  /** Turns in a row that left the state as it was. */
  unchanged: number;
  /** The model has been told once that nothing progresses. */
  noticed: boolean;
  stuckAfter: number;
}

/** The outcome when the state is terminal: the state as output, or the step failing with it. */
export function end(
  step: AgentStep,
  context: StepContext,
  loop: AgentLoop,
  turn: { model: string; toolCalls: Array<{ toolName: string; input: unknown }> },
  notes: string[],
): StepOutcome | undefined {
  const terminal = terminalOf(step, loop.state);
  if (terminal === 'succeed') return { output: loop.state, model: turn.model, note: noteOf(loop, notes) };
  if (terminal !== 'fail') return undefined;
  const reason = loop.state?.reason;
  throw new BatonError(
    'AGENT_FAILED',
    `Agent "${context.path}" ended in status ${statusOf(loop.state)}${typeof reason === 'string' ? `: ${reason.replace(/\.$/, '')}` : ''}.`,
    {
      stepPath: context.path,
      hint: 'Route it with `onError: { route: <step> }`; the final state is in the error details.',
      details: { state: loop.state, toolCalls: loop.toolCalls, turns: loop.turns },
    },
  );
}

/** Counts turns that left the state as it was: after `stuckAfter` one notice, then `LOOP_STUCK`. */
export function track(
  context: StepContext,
  loop: AgentLoop,
  progress: Progress,
  before: StateValue | undefined,
): void {
  if (!sameState(before, loop.state)) {
    progress.unchanged = 0;
    progress.noticed = false;
    const status = statusOf(loop.state);
    if (progress.history.at(-1) !== status) progress.history.push(status);
    return;
  }
  progress.unchanged++;
  if (progress.unchanged < progress.stuckAfter) return;
  if (progress.noticed) {
    throw new BatonError(
      'LOOP_STUCK',
      `Agent "${context.path}" is stuck: the state stayed ${statusOf(loop.state)} for ${progress.unchanged} turns.`,
      {
        stepPath: context.path,
        hint: 'Check the tool errors in `baton show <run> --step <agent>`; raise state.stuckAfter if progress takes longer.',
        details: { state: loop.state, turns: loop.turns, toolCalls: loop.toolCalls },
      },
    );
  }
  progress.noticed = true;
  loop.messages.push({
    role: 'user',
    content: `The state has not changed for ${progress.unchanged} turns (still ${statusOf(loop.state)}). Change your approach; another turn without progress ends this task with an error.`,
  });
}

export function hasAnswerTransition(step: AgentStep): boolean {
  return step.state?.reduce !== undefined || step.state?.on?.$answer !== undefined;
}

export function fatalToolError(
  context: StepContext,
  loop: AgentLoop,
  fatal: { tool: string; error: string; call: number },
) {
  return new BatonError('TOOL_FAILED', `Agent "${context.path}" stopped: ${fatal.error}`, {
    stepPath: context.path,
    hint: 'The tool marks this error fatal; route it with `onError`, or fix the cause and resume the run.',
    details: { ...fatal, state: loop.state, toolCalls: loop.toolCalls },
  });
}

export function waitFor(
  context: StepContext,
  pending: Array<{ call: number; tool: string; args: unknown; expiresAt?: number }>,
  questions: Question[] = [],
): StepOutcome {
  const deadlines = pending.flatMap((call) => (call.expiresAt === undefined ? [] : [call.expiresAt]));
  const calls = pending.map(({ call, tool, args }) => ({ path: context.path, call, tool, args }));
  return {
    output: undefined,
    waiting: {
      paths: [context.path],
      ...(calls.length ? { calls } : {}),
      ...(questions.length ? { questions } : {}),
      ...(deadlines.length ? { wakeAt: Math.min(...deadlines) } : {}),
    },
  };
}

export function noteOf(loop: AgentLoop, notes: string[]): string {
  return [`${loop.turns} turn(s), ${loop.toolCalls.length} tool call(s)`, ...notes].join('; ');
}

export function limitReached(
  step: AgentStep,
  context: StepContext,
  loop: AgentLoop,
  turn: { model: string; toolCalls: Array<{ toolName: string; input: unknown }> },
) {
  return new BatonError(
    'LOOP_LIMIT_REACHED',
    `Agent "${context.path}" reached maxIterations (${step.maxIterations}) while the model still wanted to call tools.`,
    {
      stepPath: context.path,
      hint: 'Raise maxIterations, or make the prompt say when the task is done.',
      details: {
        maxIterations: step.maxIterations,
        state: loop.state,
        toolCalls: loop.toolCalls,
        pending: turn.toolCalls.map((call) => ({ tool: call.toolName, input: call.input })),
      },
    },
  );
}
