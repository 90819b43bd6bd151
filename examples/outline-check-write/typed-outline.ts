import { workflow } from 'baton';
import { z } from 'zod';

/** An outline as a Zod schema: the refinement runs on every answer; the model sees the JSON Schema. */
export const Outline = z
  .object({
    title: z.string(),
    sections: z
      .array(z.object({ heading: z.string(), points: z.array(z.string()).min(1) }))
      .min(3)
      .max(7),
  })
  .refine(
    (outline) => new Set(outline.sections.map((section) => section.heading)).size === outline.sections.length,
    'each section needs a heading of its own',
  );

/**
 * The outline → check → write chain with the typed builder. The outline's refinement and the
 * check's `validate` function are both sent back to the model as repairs when they fail.
 */
export const typedOutline = workflow('outline-check-write-typed', {
  input: z.object({ topic: z.string(), criteria: z.array(z.string()).min(1) }),
})
  .llm('outline', {
    prompt: ({ input }) => `Write the outline of a short document on "${input.topic}".`,
    output: Outline,
  })
  .llm('check', {
    needs: ['outline'],
    prompt: ({ input, steps }) =>
      `Does this outline meet every one of these criteria?\n${input.criteria.join('\n')}\n\nOutline:\n${JSON.stringify(steps.outline)}`,
    output: z.object({ meets: z.boolean(), missing: z.array(z.string()) }),
    validate: (verdict: { meets: boolean; missing: string[] }) =>
      verdict.meets || verdict.missing.length > 0 || 'say which criteria are missing',
  })
  .llm('write', {
    needs: ['outline', 'check'],
    when: 'steps.check.meets',
    prompt: ({ steps }) =>
      `Write the document "${steps.outline.title}" from this outline:\n${JSON.stringify(steps.outline.sections)}`,
  })
  .build();
