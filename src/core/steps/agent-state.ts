import { BatonError } from '../errors.js';
import { callFunction } from '../expressions/evaluate-expression.js';
import { renderMapping, renderTemplate } from '../expressions/render-template.js';
import type { AgentStep } from '../ir/step.js';
import { canonicalJson } from '../runner/canonical-json.js';
import { zodFromJsonSchema } from '../runner/output-schema.js';
import type { StepContext } from '../runner/run-state.js';

/** An agent's explicit state: a JSON object, usually with a `status`. */
export type StateValue = Record<string, unknown>;

/**
 * A tool event (or the model's answer) as `on` and `reduce` see it. Transitions come from these
 * events only, never from what the model writes.
 */
export interface AgentEvent {
  type: 'result' | 'error' | 'refused' | 'rejected' | 'answer';
  tool?: string;
  args?: unknown;
  result?: unknown;
  error?: string;
  /** Why a call was refused or rejected. */
  reason?: string;
  answer?: string;
}

/** The status of a state, as text (`''` when it has none). */
export function statusOf(state: StateValue | undefined): string {
  const status = state?.status;
  return typeof status === 'string' ? status : status === undefined ? '' : String(status);
}

/** How a terminal status ends the step, or undefined when the loop goes on. */
export function terminalOf(step: AgentStep, state: StateValue | undefined): 'succeed' | 'fail' | undefined {
  if (!step.state || !state) return undefined;
  return step.state.terminal?.[statusOf(state)];
}

/** The tools offered in the current status: its list under `state.tools` (of the step's tools), else all. */
export function allowedToolsOf(step: AgentStep, tools: string[], state: StateValue | undefined): string[] {
  const listed = step.state?.tools?.[statusOf(state)];
  return listed ? listed.filter((name) => tools.includes(name)) : tools;
}

/** The `on` key of an event: `tool` for a result, `tool.error`, `tool.refused`, `tool.rejected`, `$answer`. */
export function transitionKey(event: AgentEvent): string {
  if (event.type === 'answer') return '$answer';
  return event.type === 'result' ? String(event.tool) : `${event.tool}.${event.type}`;
}

/**
 * The state after an event: `reduce` gives the whole next state; an `on` entry gives fields merged
 * into it (nothing when it yields null). The result is checked against `state.schema`, and a
 * transition that breaks it fails the step with `STATE_INVALID` naming the event and the field.
 * Returns undefined when the step declares no transition for the event.
 */
export async function applyEvent(
  step: AgentStep,
  context: StepContext,
  state: StateValue,
  event: AgentEvent,
): Promise<StateValue | undefined> {
  const config = step.state;
  if (!config) return undefined;
  const key = transitionKey(event);
  const scope = { ...context.scope, ...event, event, state };
  const options = { stepPath: context.path, functions: context.functions };
  let next: StateValue;
  if (config.reduce !== undefined) {
    const reduced =
      typeof config.reduce === 'string'
        ? await renderTemplate(config.reduce, scope, options)
        : await callFunction(context.functions, config.reduce.function, scope, context.path);
    if (reduced === undefined || reduced === null) return undefined;
    next = asState(step, context, key, reduced);
  } else {
    const entry = config.on?.[key];
    if (entry === undefined) return undefined;
    const patch = isFunction(entry)
      ? await callFunction(context.functions, entry.function, scope, context.path)
      : await renderMapping(entry, scope, options);
    if (patch === undefined || patch === null) return undefined;
    next = { ...state, ...asState(step, context, key, patch) };
  }
  checkState(step, context, key, next);
  return next;
}

/** Whether two states are the same value. */
export function sameState(a: StateValue | undefined, b: StateValue | undefined): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Checks the initial state before the first turn, so a bad `initial` fails at once. */
export function checkState(step: AgentStep, context: StepContext, key: string, state: StateValue): void {
  const schema = step.state?.schema;
  if (!schema) return;
  const parsed = zodFromJsonSchema(schema).safeParse(state);
  if (parsed.success) return;
  const issues = parsed.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const cause = key === 'initial' ? 'The initial state' : `The transition on "${key}"`;
  throw new BatonError(
    'STATE_INVALID',
    `${cause} of agent "${context.path}" breaks the state schema: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`,
    {
      stepPath: context.path,
      hint: `Fix \`state.on.${key}\` (or \`state.schema\`) so every state it gives fits the schema.`,
      details: { event: key, issues, state },
    },
  );
}

function asState(step: AgentStep, context: StepContext, key: string, value: unknown): StateValue {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as StateValue;
  throw new BatonError(
    'STATE_INVALID',
    `The transition on "${key}" of agent "${context.path}" gave ${JSON.stringify(value)}, not an object.`,
    {
      stepPath: context.path,
      hint: `A transition gives the fields to change, such as { status: NEXT }${step.state?.reduce ? ', and reduce gives the whole state' : ''}.`,
      details: { event: key, value },
    },
  );
}

function isFunction(value: unknown): value is { function: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as { function?: unknown }).function === 'string'
  );
}
