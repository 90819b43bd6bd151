import { BatonError } from '../errors.js';
import type { JsonSchema } from '../ir/step.js';
import { zodFromJsonSchema } from '../runner/output-schema.js';

/** Repair calls after an answer that does not fit the step's `output` schema. */
export const defaultMaxRepairs = 2;

/** One reason an answer was refused: where in the value, and what is wrong there. */
export interface AnswerIssue {
  path: string;
  message: string;
}

/** Parses a model's answer as JSON (a fenced block is accepted) and checks it against a schema. */
export function checkAnswer(
  text: string,
  schema: JsonSchema,
): { ok: true; value: unknown } | { ok: false; issues: AnswerIssue[] } {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  let value: unknown;
  try {
    value = JSON.parse(fenced?.[1] ?? text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ path: '(root)', message: `not valid JSON (${reason})` }] };
  }
  const result = zodFromJsonSchema(schema).safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  return { ok: false, issues };
}

/** The message that shows the model why its answer was refused and what to send instead. */
export function repairPrompt(issues: AnswerIssue[], schema: JsonSchema | undefined): string {
  const listed = issues.map((issue) => `- ${issue.path}: ${issue.message}`).join('\n');
  if (!schema) return `Your answer is not valid:\n${listed}\nAnswer again, fixing these problems.`;
  return (
    `Your answer is not valid:\n${listed}\n` +
    'Answer again with only the corrected JSON, without explanations or code fences. ' +
    `It must match this JSON Schema:\n${JSON.stringify(schema)}`
  );
}

/** `OUTPUT_INVALID` for an answer that never fitted the schema; keeps the text and the issues. */
export function invalidAnswer(
  stepPath: string,
  model: string,
  text: string,
  issues: AnswerIssue[],
  extra: Record<string, unknown>,
): BatonError {
  const shown = issues
    .slice(0, 3)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join('; ');
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return new BatonError(
    'OUTPUT_INVALID',
    `Model ${model} gave no valid answer in step "${stepPath}": ${shown}${more}`,
    {
      stepPath,
      hint: 'Describe the expected shape in the prompt, simplify the output schema, or use a stronger model.',
      details: { model, text, issues, ...extra },
    },
  );
}
