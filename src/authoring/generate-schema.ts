import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
  AgentStepSchema,
  ApprovalStepSchema,
  BranchStepSchema,
  ComputedSchema,
  DurationSchema,
  LlmStepSchema,
  LoopStepSchema,
  MapStepSchema,
  OnErrorSchema,
  RetryPolicySchema,
  RouteSchema,
  StepSchema,
  ToolStepSchema,
  TransformStepSchema,
  WorkflowSchema,
  WorkflowStepSchema,
} from '../core/index.js';

/** Where the published schema lives; editors and `$schema` lines point here. */
export const workflowSchemaId = 'urn:baton:schema:workflow';

/** The shipped file, next to this script. */
export const workflowSchemaFile = fileURLToPath(new URL('./workflow.schema.json', import.meta.url));

// Named definitions make the schema readable and make editors show "LlmStep" rather than "__schema3".
const definitionNames = new Map<z.ZodType, string>([
  [StepSchema, 'Step'],
  [TransformStepSchema, 'TransformStep'],
  [LlmStepSchema, 'LlmStep'],
  [ToolStepSchema, 'ToolStep'],
  [BranchStepSchema, 'BranchStep'],
  [MapStepSchema, 'MapStep'],
  [LoopStepSchema, 'LoopStep'],
  [ApprovalStepSchema, 'ApprovalStep'],
  [AgentStepSchema, 'AgentStep'],
  [WorkflowStepSchema, 'WorkflowStep'],
  [RouteSchema, 'Route'],
  [ComputedSchema, 'Computed'],
  [DurationSchema, 'Duration'],
  [RetryPolicySchema, 'RetryPolicy'],
  [OnErrorSchema, 'OnError'],
]);

/**
 * The JSON Schema (draft 2020-12) of workflow files, generated from the Zod IR. It adds the
 * fields only files carry (`$schema`, `module`), which the loader removes before validation.
 *
 * @example
 * ```ts
 * const schema = createWorkflowJsonSchema();
 * writeFileSync('workflow.schema.json', `${JSON.stringify(schema, null, 2)}\n`);
 * ```
 */
export function createWorkflowJsonSchema(): Record<string, unknown> {
  // toJSONSchema reads only `get` of its metadata registry: merging keeps the `.describe()` texts.
  const metadata = {
    get: (schema: z.ZodType) => {
      const described = z.globalRegistry.get(schema);
      const id = definitionNames.get(schema);
      return id === undefined ? described : { ...described, id };
    },
  } as unknown as z.core.$ZodRegistry<z.core.JSONSchemaMeta>;
  const generated = z.toJSONSchema(WorkflowSchema, {
    target: 'draft-2020-12',
    metadata,
    io: 'input',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const properties = rest.properties as Record<string, unknown>;
  return {
    $schema,
    $id: workflowSchemaId,
    title: 'Baton workflow',
    description:
      'A Baton workflow file: a directed acyclic graph of named steps. See docs/workflow-files.md.',
    ...rest,
    properties: {
      $schema: { type: 'string', description: 'The JSON Schema of this file, for editors' },
      module: {
        type: 'string',
        description:
          'Path of the TypeScript or JavaScript module exporting `functions` and `tools`, relative to this file',
      },
      ...properties,
    },
  };
}

/** The schema as the shipped file holds it. */
export function renderWorkflowJsonSchema(): string {
  return `${JSON.stringify(createWorkflowJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(workflowSchemaFile, renderWorkflowJsonSchema());
  console.log(`Wrote ${workflowSchemaFile}`);
}
