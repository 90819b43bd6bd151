import { z } from 'zod';

/**
 * The `*.eval.yaml` format as Zod schemas: what is evaluated (a workflow, or one of its steps),
 * over which dataset, which variants against which baseline, how each cell is scored, and the
 * margin and alpha the verdict is about. The published JSON Schema is generated from these.
 */

const id = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'an id is a letter or _ then letters, digits, _ . or -');

/** What a variant changes in one step. */
export const StepOverrideSchema = z
  .object({
    model: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    prompt: z.string().optional(),
    system: z.string().optional(),
    state: z.unknown().optional().describe("An agent step's `state` block, replaced whole"),
  })
  .strict();

export const VariantSchema = z
  .object({
    id,
    description: z.string().optional(),
    baseline: z.boolean().optional().describe('The variant the others are compared with (exactly one)'),
    models: z
      .record(z.string(), z.string())
      .optional()
      .describe('Alias → provider:model overrides; `default` stands for steps that name no model'),
    steps: z.record(z.string(), StepOverrideSchema).optional().describe('Per-step overrides by step id'),
    workflow: z
      .string()
      .optional()
      .describe('Another workflow file with the same input and the output the scorers read'),
    gate: z.boolean().optional().describe('Whether its verdict decides the exit code; default true'),
  })
  .strict();
export type Variant = z.infer<typeof VariantSchema>;

const pathField = z.string().optional().describe('JSONata path into the output; default: the whole output');
const expectedField = z
  .string()
  .optional()
  .describe('JSONata path into the row (`expected`, `input`); default: `expected`');

export const ScorerSchema = z.discriminatedUnion('type', [
  z.object({ id, type: z.literal('equals'), path: pathField, expected: expectedField }).strict(),
  z
    .object({
      id,
      type: z.literal('contains'),
      path: pathField,
      value: z.string().optional().describe('Text to find; default: the expected value'),
      expected: expectedField,
      ignoreCase: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      id,
      type: z.literal('regex'),
      path: pathField,
      pattern: z.string(),
      flags: z.string().optional(),
    })
    .strict(),
  z
    .object({
      id,
      type: z.literal('json-schema'),
      path: pathField,
      schema: z.record(z.string(), z.unknown()),
    })
    .strict(),
  z
    .object({
      id,
      type: z.literal('levenshtein'),
      path: pathField,
      expected: expectedField,
      threshold: z.number().min(0).max(1).optional().describe('Similarity (0–1) that passes; default 0.8'),
    })
    .strict(),
  z
    .object({
      id,
      type: z.literal('jsonata'),
      expression: z
        .string()
        .describe('Evaluated with `output`, `expected`, `input`, `row`; true/false or 0–1'),
    })
    .strict(),
  z.object({ id, type: z.literal('cost'), maxUsd: z.number().nonnegative() }).strict(),
  z.object({ id, type: z.literal('latency'), maxMs: z.number().nonnegative() }).strict(),
  z
    .object({
      id,
      type: z.literal('judge'),
      model: z.string().optional().describe("The judge's model; default: the eval's `judge.model`"),
      rubric: z.string(),
      choices: z
        .record(z.string(), z.number().min(0).max(1))
        .describe('Named choices and their scores (0–1)'),
      path: pathField,
    })
    .strict(),
  z
    .object({
      id,
      type: z.literal('pairwise'),
      model: z.string().optional(),
      rubric: z.string(),
      path: pathField,
    })
    .strict(),
]);
export type Scorer = z.infer<typeof ScorerSchema>;

export const EvalFileSchema = z
  .object({
    $schema: z.string().optional(),
    name: id,
    description: z.string().optional(),
    workflow: z.string().describe('The workflow file under test, relative to this file'),
    step: z
      .string()
      .optional()
      .describe("Evaluate only this step; its upstream outputs come from each row's `steps`"),
    dataset: z
      .string()
      .describe('A JSONL, YAML or CSV file of rows { id, input, expected?, tags?, approvals? }'),
    models: z
      .string()
      .optional()
      .describe('A module exporting `models` (name → model), used instead of the configured models'),
    variants: z.array(VariantSchema).min(2),
    scorers: z.array(ScorerSchema).min(1),
    judge: z.object({ model: z.string() }).strict().optional(),
    primary: z.string().describe('The id of the scorer the verdict is about'),
    margin: z.number().positive().max(100).describe('δ: the largest acceptable loss, in points of 0–100'),
    alpha: z.number().gt(0).lt(0.5).optional().describe('Default 0.05: a two-sided 90% interval'),
    repeats: z.number().int().min(1).max(20).optional(),
    thresholds: z
      .record(z.string(), z.number())
      .optional()
      .describe('Scorer id → the lowest mean (0–100) every gated variant must reach'),
  })
  .strict();
export type EvalFile = z.infer<typeof EvalFileSchema>;

/** One row of a dataset. */
export const DatasetRowSchema = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    input: z.unknown(),
    expected: z.unknown().optional(),
    tags: z.array(z.string()).optional(),
    approvals: z
      .record(
        z.string(),
        z.union([z.literal('approve'), z.literal('reject'), z.object({ edit: z.unknown() })]),
      )
      .optional()
      .describe('Approval step path → decision, so a case never waits'),
    steps: z.record(z.string(), z.unknown()).optional().describe('Upstream outputs for `step:` mode'),
  })
  .strict();
export type DatasetRow = z.infer<typeof DatasetRowSchema>;
