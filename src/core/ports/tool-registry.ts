import type { z } from 'zod';
import type { JsonSchema } from '../ir/step.js';
import type { CodeContext } from '../runner/code-context.js';

export interface ToolContext {
  runId: string;
  stepPath: string;
  /** run id + step path + call sequence: the same on every re-execution, so side effects can dedupe. */
  idempotencyKey: string;
  abortSignal: AbortSignal;
  /** In a `tool` step: ask a person and wait (see `CodeContext`). */
  interrupt?: CodeContext['interrupt'];
  /** In a `tool` step: run a side effect once per run. */
  once?: CodeContext['once'];
  /** In a `tool` step: call a model through the model layer, journaled. */
  generate?: CodeContext['generate'];
}

/** A function a workflow can call, with its input schema (Zod or JSON Schema). */
export interface ToolDefinition<INPUT = unknown, OUTPUT = unknown> {
  description?: string;
  inputSchema: z.ZodType<INPUT> | JsonSchema;
  execute(input: INPUT, context: ToolContext): OUTPUT | Promise<OUTPUT>;
}

export interface ToolRegistry {
  get(name: string): ToolDefinition | undefined;
  names(): string[];
}
