import type { z } from 'zod';
import type { ToolContext, ToolDefinition } from '../core/index.js';

/** A tool written in TypeScript: its input is a Zod schema, so `execute` gets a typed input. */
export interface TypedToolOptions<SCHEMA extends z.ZodType, OUTPUT> {
  /** What the tool does and when to use it; an agent's model reads this to choose its tools. */
  description?: string;
  inputSchema: SCHEMA;
  execute(input: z.output<SCHEMA>, context: ToolContext): OUTPUT | Promise<OUTPUT>;
}

/**
 * Defines a tool with a Zod input schema. The engine checks every input against the schema
 * before `execute` runs (an agent's model is told what was wrong instead), and `context`
 * carries an idempotency key that stays the same when the call is made again after a resume.
 *
 * @example
 * ```ts
 * const getWeather = defineTool({
 *   description: 'Current weather of a city',
 *   inputSchema: z.object({ city: z.string() }),
 *   execute: async ({ city }) => ({ city, celsius: 21 }),
 * });
 * const baton = createBaton({ tools: { get_weather: getWeather } });
 * ```
 */
export function defineTool<SCHEMA extends z.ZodType, OUTPUT>(
  options: TypedToolOptions<SCHEMA, OUTPUT>,
): ToolDefinition<z.output<SCHEMA>, OUTPUT> {
  const definition: ToolDefinition<z.output<SCHEMA>, OUTPUT> = {
    inputSchema: options.inputSchema as z.ZodType<z.output<SCHEMA>>,
    execute: (input, context) => options.execute(input, context),
  };
  if (options.description !== undefined) definition.description = options.description;
  return definition;
}
