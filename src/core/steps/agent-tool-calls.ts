import type * as AiSdk from 'ai';
import type { JSONSchema7, JSONValue, ModelMessage, ToolSet } from 'ai';
import { z } from 'zod';
import { BatonError, type BatonErrorCode, toBatonError } from '../errors.js';
import type { AgentStep, JsonSchema } from '../ir/step.js';
import type { SubCallRecord } from '../ports/store.js';
import type { ToolDefinition } from '../ports/tool-registry.js';
import { canonicalJson } from '../runner/canonical-json.js';
import type { StepContext } from '../runner/run-state.js';
import type { ModelTurn } from './call-model.js';
import { invokeTool } from './tool-step.js';

/** One tool call of an agent, as its output lists it: the result, or what went wrong. */
export interface AgentToolCall {
  tool: string;
  input: unknown;
  output?: unknown;
  error?: string;
}

/** What the agent loop knows; rebuilt from the journal when a stopped agent resumes. */
export interface AgentState {
  messages: ModelMessage[];
  journal: Map<number, SubCallRecord>;
  /** The sequence number of the next sub-call; turns and tool calls share one numbering. */
  sequence: number;
  turns: number;
  repairs: number;
  toolCalls: AgentToolCall[];
  /** `[tool, input]` as canonical JSON → the sequence of its first call. */
  seen: Map<string, number>;
  /** The model has been told once that it repeated a call. */
  warned: boolean;
}

type ToolCall = ModelTurn['toolCalls'][number];
type ToolMessage = Extract<ModelMessage, { role: 'tool' }>;
type ToolResultPart = Extract<ToolMessage['content'][number], { type: 'tool-result' }>;
/** A tool call's result as the journal keeps it; `error` is what the model was told. */
type JournaledResult = { output: unknown } | { error: string; code: BatonErrorCode };
type Refusal = { error: string; code: BatonErrorCode };
type Plan = { call: ToolCall; sequence: number; refusal: Refusal | undefined };

/**
 * Answers the tool calls of one turn: decides in the model's order which run (catching repeats),
 * runs them in parallel (or takes their results from the journal), journals each result as it
 * arrives, and returns the tool message for the model.
 */
export async function answerToolCalls(
  step: AgentStep,
  context: StepContext,
  state: AgentState,
  calls: ToolCall[],
): Promise<ToolMessage> {
  const plans = calls.map((call) => plan(step, context, state, call));
  const settled = await Promise.all(plans.map((planned) => settle(context, state, planned)));
  state.toolCalls.push(...settled.map(({ summary }) => summary));
  return { role: 'tool', content: settled.map(({ part }) => part) };
}

function plan(step: AgentStep, context: StepContext, state: AgentState, call: ToolCall): Plan {
  const sequence = state.sequence++;
  const refuse = (code: BatonErrorCode, error: string): Plan => ({
    call,
    sequence,
    refusal: { error, code },
  });
  if (!step.tools.includes(call.toolName)) {
    const available = step.tools.join(', ');
    return refuse(
      'TOOL_NOT_FOUND',
      `Tool "${call.toolName}" is not available. Available tools: ${available}.`,
    );
  }
  if (call.invalid !== undefined)
    return refuse('INPUT_INVALID', `The input could not be read: ${call.invalid}`);
  const key = canonicalJson([call.toolName, call.input]);
  const earlier = state.seen.get(key);
  if (earlier === undefined) {
    state.seen.set(key, sequence);
    return { call, sequence, refusal: undefined };
  }
  if (state.warned) {
    throw new BatonError(
      'LOOP_STUCK',
      `Agent "${context.path}" is stuck: it called "${call.toolName}" with the same arguments again after being told it already had that result.`,
      {
        stepPath: context.path,
        hint: 'Make the prompt or the tool descriptions say when the task is done, or give the tool a way to report progress.',
        details: { tool: call.toolName, input: call.input, turn: state.turns, toolCalls: state.toolCalls },
      },
    );
  }
  state.warned = true;
  return refuse(
    'LOOP_STUCK',
    `You already called "${call.toolName}" with these arguments (call ${earlier}); its result is above and calling it again will not change it. ` +
      'Use that result, change the arguments, or give your final answer. Repeating a call again ends this task with an error.',
  );
}

async function settle(
  context: StepContext,
  state: AgentState,
  { call, sequence, refusal }: Plan,
): Promise<{ part: ToolResultPart; summary: AgentToolCall }> {
  const recorded = journaledAs(context, state, sequence, 'tool-call');
  let result: JournaledResult;
  if (recorded) result = recorded.response as JournaledResult;
  else {
    result = refusal ? refuse(context, call, sequence, refusal) : await execute(context, call, sequence);
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
  const { toolCallId, toolName, input } = call;
  if ('error' in result) {
    const output = { type: 'error-text' as const, value: result.error };
    return {
      part: { type: 'tool-result', toolCallId, toolName, output },
      summary: { tool: toolName, input, error: result.error },
    };
  }
  const output = toModelOutput(result.output);
  return {
    part: { type: 'tool-result', toolCallId, toolName, output },
    summary: { tool: toolName, input, output: result.output },
  };
}

async function execute(context: StepContext, call: ToolCall, sequence: number): Promise<JournaledResult> {
  try {
    return { output: await invokeTool(context, call.toolName, call.input, sequence) };
  } catch (thrown) {
    // A call cut short by cancellation has no result: it is not journaled, so a resume runs it.
    if (context.signal.aborted) throw thrown;
    const error = toBatonError(thrown, 'TOOL_FAILED', context.path);
    const cause = error.cause;
    const message = error.code === 'TOOL_FAILED' && cause instanceof Error ? cause.message : error.message;
    return { error: `Tool "${call.toolName}" failed: ${message}`, code: error.code };
  }
}

/** A call answered without running the tool; events still show it as a call that failed. */
function refuse(context: StepContext, call: ToolCall, sequence: number, refusal: Refusal): JournaledResult {
  const { run, path } = context;
  const time = run.services.clock.now();
  const error = { code: refusal.code, message: refusal.error, stepPath: path, retryable: false };
  run.emit({
    type: 'tool-call',
    runId: run.id,
    path,
    tool: call.toolName,
    sequence,
    input: call.input,
    time,
  });
  run.emit({ type: 'tool-result', runId: run.id, path, tool: call.toolName, sequence, error, time });
  return refusal;
}

/** The journal's record at a sequence, checked to be of the kind this point of the loop expects. */
export function journaledAs(
  context: StepContext,
  state: AgentState,
  sequence: number,
  kind: 'agent-turn' | 'tool-call',
): SubCallRecord | undefined {
  const recorded = state.journal.get(sequence);
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

/** The step's tools as the model sees them: name, description and JSON Schema, and no `execute`. */
export function describeTools(step: AgentStep, context: StepContext, ai: typeof AiSdk): ToolSet {
  const registry = context.run.services.tools;
  const tools: ToolSet = {};
  for (const name of step.tools) {
    const definition = registry.get(name);
    if (!definition) {
      const known = registry.names();
      throw new BatonError(
        'TOOL_NOT_FOUND',
        `Agent "${context.path}" lists tool "${name}", which is not registered.`,
        {
          stepPath: context.path,
          hint: known.length
            ? `Registered tools: ${known.join(', ')}.`
            : 'Register tools with createBaton({ tools }).',
        },
      );
    }
    // Inputs are checked by invokeTool, not by the SDK, so a bad input reaches the model as a result.
    tools[name] = ai.tool({
      ...(definition.description === undefined ? {} : { description: definition.description }),
      inputSchema: ai.jsonSchema(inputJsonSchema(definition) as JSONSchema7),
    });
  }
  return tools;
}

const converted = new WeakMap<ToolDefinition, JsonSchema>();

function inputJsonSchema(definition: ToolDefinition): JsonSchema {
  const schema = definition.inputSchema;
  if (!(schema instanceof z.ZodType)) return schema;
  let json = converted.get(definition);
  if (!json) {
    json = z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema;
    converted.set(definition, json);
  }
  return json;
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
