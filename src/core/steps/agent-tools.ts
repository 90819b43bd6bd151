import type * as AiSdk from 'ai';
import type { JSONSchema7, ToolSet } from 'ai';
import { z } from 'zod';
import { BatonError } from '../errors.js';
import { evaluateExpression } from '../expressions/evaluate-expression.js';
import { renderTemplate } from '../expressions/render-template.js';
import type { AgentStep, JsonSchema } from '../ir/step.js';
import type { ToolDefinition } from '../ports/tool-registry.js';
import type { StepContext } from '../runner/run-state.js';

/**
 * The step's tools: its list, or what its `tools` expression gives (e.g. a plan's choice), each
 * checked to be registered (`TOOL_NOT_FOUND` names the unknown one).
 */
export async function resolveTools(step: AgentStep, context: StepContext): Promise<string[]> {
  let names: unknown = step.tools;
  if (typeof step.tools === 'string') {
    const options = { stepPath: context.path, functions: context.functions };
    names = step.tools.includes('{{')
      ? await renderTemplate(step.tools, context.scope, options)
      : await evaluateExpression(step.tools, context.scope, options);
    if (typeof names === 'string') names = [names];
  }
  if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) {
    throw new BatonError(
      'INPUT_INVALID',
      `The tools of agent "${context.path}" must be a list of tool names; \`${String(step.tools)}\` gave ${JSON.stringify(names)}.`,
      { stepPath: context.path, details: { tools: names } },
    );
  }
  const registry = context.run.services.tools;
  for (const name of names as string[]) {
    if (registry.get(name)) continue;
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
  return names as string[];
}

/** Tools as the model sees them: name, description and JSON Schema, and no `execute`. */
export function describeTools(names: string[], context: StepContext, ai: typeof AiSdk): ToolSet {
  const registry = context.run.services.tools;
  const tools: ToolSet = {};
  for (const name of names) {
    const definition = registry.get(name);
    if (!definition) continue;
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
