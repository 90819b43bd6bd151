import { z } from 'zod';
import { BatonError, serializeError, toBatonError } from '../errors.js';
import { renderMapping } from '../expressions/render-template.js';
import type { ToolStep } from '../ir/step.js';
import type { ToolDefinition } from '../ports/tool-registry.js';
import { type CodeContext, createCodeContext } from '../runner/code-context.js';
import { zodFromJsonSchema } from '../runner/output-schema.js';
import { PauseSignal } from '../runner/pause.js';
import type { StepContext, StepHandler } from '../runner/run-state.js';
import { waitingOn } from './transform-step.js';

/** `tool`: calls a registered function with arguments checked against its input schema. */
export const toolStep: StepHandler<ToolStep> = {
  leaf: true,
  async execute(step, context) {
    const input = await renderMapping(step.input ?? {}, context.scope, context.expressions);
    context.setInput(input);
    try {
      return { output: await invokeTool(context, step.tool, input, 0, createCodeContext(context)) };
    } catch (thrown) {
      return waitingOn(thrown);
    }
  },
};

/**
 * Calls a tool once. The idempotency key is the same every time this call is made again (after
 * a retry or a resume), so a tool with side effects can recognise a repeat.
 */
export async function invokeTool(
  context: StepContext,
  name: string,
  input: unknown,
  sequence: number,
  code?: CodeContext,
  toolCallId?: string,
): Promise<unknown> {
  const { run, path } = context;
  const tool = run.services.tools.get(name);
  if (!tool) {
    const known = run.services.tools.names();
    throw new BatonError('TOOL_NOT_FOUND', `Step "${path}" calls tool "${name}", which is not registered.`, {
      stepPath: path,
      hint: known.length
        ? `Registered tools: ${known.join(', ')}.`
        : 'Register tools with createBaton({ tools }).',
    });
  }
  // The call is announced before its input is checked, so an invalid input shows as a failed call.
  run.emit({
    type: 'tool-call',
    runId: run.id,
    path,
    tool: name,
    sequence,
    ...(toolCallId !== undefined ? { toolCallId } : {}),
    input,
    time: run.services.clock.now(),
  });
  const result = (outcome: { output: unknown } | { error: BatonError }) =>
    run.emit({
      type: 'tool-result',
      runId: run.id,
      path,
      tool: name,
      sequence,
      ...(toolCallId !== undefined ? { toolCallId } : {}),
      ...('error' in outcome ? { error: serializeError(outcome.error) } : outcome),
      time: run.services.clock.now(),
    });
  try {
    const args = parseToolInput(tool, name, input, path);
    const output = await tool.execute(args, {
      runId: run.id,
      stepPath: path,
      idempotencyKey: `${run.id}:${path}:${sequence}`,
      abortSignal: context.signal,
      ...(code ? { interrupt: code.interrupt, once: code.once, generate: code.generate } : {}),
    });
    result({ output });
    return output;
  } catch (thrown) {
    if (thrown instanceof PauseSignal) throw thrown;
    const error = BatonError.is(thrown) ? thrown : toBatonError(thrown, 'TOOL_FAILED', path);
    result({ error });
    throw error;
  }
}

export function parseToolInput(tool: ToolDefinition, name: string, input: unknown, path: string): unknown {
  const schema =
    tool.inputSchema instanceof z.ZodType ? tool.inputSchema : zodFromJsonSchema(tool.inputSchema);
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
  );
  throw new BatonError(
    'INPUT_INVALID',
    `Input of tool "${name}" in step "${path}" is invalid: ${issues.join('; ')}`,
    {
      stepPath: path,
      details: { tool: name, input, issues },
      hint: "Fix the step's `input` mapping so it matches the tool's input schema.",
    },
  );
}
