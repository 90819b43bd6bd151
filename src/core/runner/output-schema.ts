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

/** A schema that has no JSON Schema form, and where it was given. */
export interface UnshowableSchema {
  where: string;
  reason: string;
}

/**
 * The JSON Schema of a Zod schema, with the Zod schema kept beside it for the checks. A schema
 * with transforms is shown as what it accepts (the model writes the value before the transform);
 * one with no JSON form at all (a date, a bigint, a custom check) is returned as a reason.
 */
export function showableSchema(zod: z.ZodType, where: string): { schema: JsonSchema } | UnshowableSchema {
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(zod) as JsonSchema;
  } catch {
    try {
      json = z.toJSONSchema(zod, { io: 'input' }) as JsonSchema;
    } catch (error) {
      return { where, reason: error instanceof Error ? error.message : String(error) };
    }
  }
  const { $schema: _, ...schema } = json;
  keepZodSchema(schema, zod);
  return { schema };
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
