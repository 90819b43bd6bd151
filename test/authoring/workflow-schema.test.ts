import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  renderWorkflowJsonSchema,
  workflowSchemaFile,
  workflowSchemaId,
} from '../../src/authoring/generate-schema.js';

describe('workflow.schema.json', () => {
  it('is the schema generated from the Zod IR (run `npm run schema` after changing the IR)', () => {
    expect(readFileSync(workflowSchemaFile, 'utf8')).toBe(renderWorkflowJsonSchema());
  });

  it('has an id, a title, named step definitions and the fields only files carry', () => {
    const schema = JSON.parse(renderWorkflowJsonSchema()) as {
      $id: string;
      title: string;
      properties: Record<string, { description?: string }>;
      $defs: Record<string, { properties?: Record<string, { description?: string }> }>;
    };
    expect(schema.$id).toBe(workflowSchemaId);
    expect(schema.title).toBe('Baton workflow');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['$schema', 'module', 'name', 'steps']),
    );
    expect(Object.keys(schema.$defs)).toEqual(
      expect.arrayContaining([
        'Step',
        'LlmStep',
        'MapStep',
        'LoopStep',
        'ApprovalStep',
        'BranchStep',
        'AgentStep',
      ]),
    );
    expect(schema.$defs.LlmStep?.properties?.needs?.description).toContain('derived from expressions');
  });
});
