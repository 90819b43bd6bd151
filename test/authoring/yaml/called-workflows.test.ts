import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile } from '../../../src/authoring/yaml/index.js';
import { BatonError, createEngine } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';

function folder(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'baton-called-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  return directory;
}

const child = `name: child
input: { type: object, properties: { word: { type: string } }, required: [word] }
steps:
  - id: loud
    kind: transform
    value: "$uppercase(input.word)"
output:
  loud: "{{ steps.loud }}"
`;

const parent = (target: string) => `name: parent
input: { type: object, properties: { word: { type: string } }, required: [word] }
steps:
  - id: shout
    kind: workflow
    workflow: ${target}
    input: { word: '{{ input.word }}' }
`;

describe('a workflow step that names a workflow file', () => {
  it('runs the file, loaded with the caller', async () => {
    const directory = folder({ 'parent.yaml': parent('./child.yaml'), 'child.yaml': child });
    const definition = await loadWorkflowFile(join(directory, 'parent.yaml'));
    const engine = createEngine({ store: new MemoryStore() });
    const result = await engine.run(definition, { input: { word: 'hi' } });
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ shout: { loud: 'HI' } });
  });

  it("is a validation problem at the caller's line when the file is missing", async () => {
    const directory = folder({ 'parent.yaml': parent('./nowhere.yaml') });
    const error = await loadWorkflowFile(join(directory, 'parent.yaml')).catch((thrown: unknown) => thrown);
    expect(BatonError.is(error, 'WORKFLOW_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(
      /parent\.yaml:6:15: Workflow file \.\/nowhere\.yaml does not exist/,
    );
  });

  it('is a validation problem when files call each other in a loop', async () => {
    const directory = folder({ 'a.yaml': parent('./b.yaml'), 'b.yaml': parent('./a.yaml') });
    const error = await loadWorkflowFile(join(directory, 'a.yaml')).catch((thrown: unknown) => thrown);
    expect(BatonError.is(error, 'WORKFLOW_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/calls back into/);
  });
});
