import { z } from 'zod';
import { type JsonSchema, keepZodSchema } from '../../core/index.js';

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
