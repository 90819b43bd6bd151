import { z } from 'zod';
import { BatonError } from '../errors.js';
import type { JsonSchema } from '../ir/step.js';

const compiled = new WeakMap<JsonSchema, z.ZodType>();

/**
 * Keeps the Zod schema a JSON Schema was made from, so checks against that JSON Schema run the
 * original (refinements and transforms included): the JSON Schema is only what a model or an
 * editor is shown.
 */
export function keepZodSchema(schema: JsonSchema, zod: z.ZodType): void {
  compiled.set(schema, zod);
}

/** The Zod form of a JSON Schema, built once per schema object. */
export function zodFromJsonSchema(schema: JsonSchema): z.ZodType {
  let zod = compiled.get(schema);
  if (!zod) {
    zod = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    compiled.set(schema, zod);
  }
  return zod;
}

/** Checks a value against a JSON Schema; the error lists each issue and keeps the value. */
export function checkAgainstSchema(
  value: unknown,
  schema: JsonSchema,
  code: 'OUTPUT_INVALID' | 'INPUT_INVALID',
  stepPath?: string,
): unknown {
  const result = zodFromJsonSchema(schema).safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const what = code === 'INPUT_INVALID' ? 'Run input' : `Output of step "${stepPath}"`;
  throw new BatonError(
    code,
    `${what} does not match its schema: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    {
      stepPath,
      details: { issues, value },
      hint:
        code === 'INPUT_INVALID'
          ? 'Pass the missing or wrong fields with --input name=value or an input file.'
          : "Fix the step so its output fits the schema, or widen the step's output schema.",
    },
  );
}
