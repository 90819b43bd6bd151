import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sampleFromJsonSchema } from '../../src/models/index.js';

/** Samples the JSON Schema of a zod schema with many seeds and checks each value with zod. */
function expectSamplesFit(schema: z.ZodType, seeds = 25): unknown[] {
  const jsonSchema = z.toJSONSchema(schema);
  const samples = Array.from({ length: seeds }, (_, seed) => sampleFromJsonSchema(jsonSchema, seed));
  for (const sample of samples) {
    const parsed = schema.safeParse(sample);
    expect(parsed.success, `${JSON.stringify(sample)}: ${parsed.error?.message}`).toBe(true);
  }
  return samples;
}

describe('sampleFromJsonSchema', () => {
  it('fills every property of nested objects, required ones always', () => {
    expectSamplesFit(
      z.object({
        title: z.string(),
        author: z.object({ name: z.string(), email: z.email() }),
        draft: z.boolean(),
        notes: z.string().optional(),
      }),
    );
  });

  it('keeps arrays within their item counts and unique when asked', () => {
    const samples = expectSamplesFit(
      z.object({
        tags: z.array(z.string()).min(3).max(5),
        picks: z.array(z.enum(['a', 'b', 'c'])).length(2),
      }),
    );
    expect(samples.every((sample) => (sample as { tags: string[] }).tags.length >= 3)).toBe(true);
    const unique = sampleFromJsonSchema(
      { type: 'array', items: { enum: ['x', 'y'] }, minItems: 2, uniqueItems: true },
      3,
    );
    expect(new Set(unique as string[]).size).toBe(2);
  });

  it('picks from enums and keeps consts', () => {
    const samples = expectSamplesFit(
      z.object({ mood: z.enum(['calm', 'tense', 'festive']), kind: z.literal('review') }),
    );
    expect(new Set(samples.map((sample) => (sample as { mood: string }).mood)).size).toBeGreaterThan(1);
  });

  it('keeps strings within their lengths and formats', () => {
    expectSamplesFit(
      z.object({
        code: z.string().min(30).max(40),
        short: z.string().max(3),
        id: z.uuid(),
        at: z.iso.datetime(),
        day: z.iso.date(),
        link: z.url(),
      }),
    );
  });

  it('keeps numbers and integers within bounds, exclusive bounds and multiples', () => {
    expectSamplesFit(
      z.object({
        score: z.number().min(-5).max(5),
        share: z.number().gt(0).lt(1),
        count: z.number().int().min(10).max(40).multipleOf(5),
        age: z.number().int().nonnegative(),
        price: z.number().multipleOf(0.25).max(10),
      }),
    );
  });

  it('follows unions, nullables, intersections and tuples', () => {
    expectSamplesFit(
      z.object({
        answer: z.union([
          z.object({ kind: z.literal('text'), text: z.string() }),
          z.object({ kind: z.literal('number'), value: z.number() }),
        ]),
        maybe: z.string().nullable(),
        both: z.intersection(z.object({ a: z.string() }), z.object({ b: z.number() })),
        pair: z.tuple([z.string(), z.number().int()]),
        nothing: z.null(),
      }),
    );
  });

  it('ends recursive schemas', () => {
    const Category: z.ZodType<{ name: string; children: unknown[] }> = z.object({
      name: z.string(),
      get children() {
        return z.array(Category);
      },
    });
    expectSamplesFit(Category, 5);
  });

  it('gives the same value for the same seed and another for another seed', () => {
    const schema = { type: 'object', properties: { word: { type: 'string' }, size: { type: 'integer' } } };
    expect(sampleFromJsonSchema(schema, 42)).toEqual(sampleFromJsonSchema(schema, 42));
    const values = new Set([1, 2, 3, 4, 5].map((seed) => JSON.stringify(sampleFromJsonSchema(schema, seed))));
    expect(values.size).toBeGreaterThan(1);
  });
});
