import { z } from 'zod';
import { ComputedSchema, DurationSchema, JsonSchemaSchema, RetryPolicySchema, StepSchema } from './step.js';

/** A workflow: a directed acyclic graph of named steps, as plain JSON. */
export const WorkflowSchema = z
  .object({
    name: z.string().min(1),
    version: z.union([z.string(), z.number()]).optional(),
    description: z.string().optional(),
    input: JsonSchemaSchema.optional().describe('JSON Schema of the run input; required fields are checked'),
    steps: z.array(StepSchema).min(1),
    output: z.unknown().optional().describe('Mapping of the run output; default every top-level step output'),
    defaults: z
      .object({
        model: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
        retry: RetryPolicySchema.optional(),
        timeout: DurationSchema.optional(),
      })
      .strict()
      .optional(),
    limits: z.record(z.string(), z.number().int().min(1)).optional().describe('Named concurrency limits'),
  })
  .strict();

export type Workflow = z.infer<typeof WorkflowSchema>;

/** A TypeScript function a workflow names in a `{ function: name }` value. */
// biome-ignore lint/suspicious/noExplicitAny: the scope is typed by the builder, not here
export type WorkflowFunction = (scope: any, context?: any) => unknown;

/**
 * A workflow ready to run: the IR plus the TypeScript functions it names. A YAML file compiles to
 * one whose functions come from a module next to it.
 */
export interface WorkflowDefinition {
  workflow: Workflow;
  functions: Readonly<Record<string, WorkflowFunction>>;
  /**
   * Workflows its `workflow` steps call, by the name the steps give (a workflow file's loader fills
   * it from `workflow: ./other.yaml`), besides those registered with the engine.
   */
  workflows?: Readonly<Record<string, WorkflowDefinition>>;
}

export { ComputedSchema };
