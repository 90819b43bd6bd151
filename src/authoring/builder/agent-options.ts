import type { z } from 'zod';
import type { AgentEvent, ToolApproval } from '../../core/index.js';

/** An agent's state: a JSON object with a `status`. */
export type AgentStateShape = { status: string } & Record<string, unknown>;

/** The statuses of a state type: its `status` field's type. */
export type StatusOf<S> = S extends { status: infer T extends string } ? T : string;

/** What an agent's `system` and `prompt` functions see on every turn, besides the step's scope. */
export interface TurnScope<S> {
  /** The current state (with a `state` option). */
  state: S;
  /** The turn about to be taken, from 1. */
  turn: number;
  /** The statuses visited so far, the current one last. */
  history: Array<StatusOf<S>>;
  /** The tools offered this turn. */
  allowedTools: string[];
}

// The state type again as a mapped type: a literal `status` in a function's answer then keeps its
// literal type instead of widening to string.
type WholeState<S> = { [K in keyof S]: S[K] };

/** Fields merged into the state; `status` must be a status, other fields may also be templates. */
export type StatePatch<S> = { [K in keyof S]?: K extends 'status' ? S[K] : S[K] | string };

/**
 * The explicit state of an agent in TypeScript, typed from its Zod `schema`: the statuses named
 * by `terminal`, `tools` and the transitions must be statuses of the schema, and `reduce`, `on`
 * functions and the step's `system` and `prompt` see the state's type.
 */
export interface AgentStateOptions<SCOPE, S extends AgentStateShape> {
  /** Checked after every transition, refinements included; what a wrong transition breaks fails the step. */
  schema?: z.ZodType<S>;
  initial: NoInfer<S>;
  /** Statuses that end the loop without another model call. */
  terminal?: { [K in StatusOf<NoInfer<S>>]?: 'succeed' | 'fail' };
  /** The tools offered in each status; a status not listed offers all. */
  tools?: { [K in StatusOf<NoInfer<S>>]?: readonly string[] };
  /**
   * Transitions by tool event (`<tool>`, `<tool>.error`, `<tool>.refused`, `<tool>.rejected`,
   * `$answer`): fields to merge (values may be templates), a JSONata expression, or a function
   * giving the fields (nothing: no change).
   */
  on?: Record<
    string,
    | string
    | StatePatch<NoInfer<S>>
    | ((
        scope: SCOPE & AgentEvent & { event: AgentEvent; state: NoInfer<S> },
      ) => StatePatch<NoInfer<S>> | null | undefined | Promise<StatePatch<NoInfer<S>> | null | undefined>)
  >;
  /** The next state after an event, instead of `on` (nothing: no change). */
  reduce?: (state: NoInfer<S>, event: AgentEvent) => WholeState<NoInfer<S>> | null | undefined;
  /** Turns without a state change before one notice, then `LOOP_STUCK`. Default 3. */
  stuckAfter?: number;
}

/** The per-tool checks of an agent's calls: guards that refuse, and approvals by a person. */
export interface AgentCallOptions<SCOPE, S> {
  /** Per tool: `true` runs the call; a message is what the model gets instead. */
  guard?: Record<
    string,
    | string
    | ((scope: SCOPE & { args: unknown; state: S; tool: string }) => true | string | Promise<true | string>)
  >;
  /** Per tool: calls that wait for a person to approve, edit or reject them. */
  approve?: Record<string, ToolApproval>;
}

/** What a step with `state` outputs: the final state, or the state with the answer that ended it. */
export type AgentStateOutput<S> = S | { state: S; answer: string };
