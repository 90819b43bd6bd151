import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile } from '../../../src/authoring/yaml/index.js';

const builder = resolve(import.meta.dirname, '../../../src/authoring/builder/workflow-builder.js');

function moduleFile(text: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'baton-module-'));
  const file = join(directory, 'flows.ts');
  writeFileSync(file, text);
  return file;
}

const two = `import { workflow } from ${JSON.stringify(builder)};
export const a = workflow('first').transform('x', { run: () => 1 }).build();
export const b = workflow('second').transform('y', { run: () => 2 }).build();
export const tools = { echo: { inputSchema: { type: 'object' }, execute: (input: unknown) => input } };
`;

describe('loading a module that exports definitions', () => {
  it('picks the definition with the run’s workflow name, with its functions and the module’s tools', async () => {
    const loaded = await loadWorkflowFile(moduleFile(two), { name: 'second' });
    expect(loaded.workflow.name).toBe('second');
    expect(Object.keys(loaded.functions)).toEqual(['y.run']);
    expect(Object.keys(loaded.tools)).toEqual(['echo']);
  });

  it('names what it exports when the workflow asked for is not among them', async () => {
    await expect(loadWorkflowFile(moduleFile(two), { name: 'third' })).rejects.toThrow(
      'exports no workflow named "third" (it exports a (first), b (second))',
    );
  });

  it('says when a module exports no definition at all', async () => {
    await expect(loadWorkflowFile(moduleFile('export const x = 1;\n'))).rejects.toThrow(
      'exports no workflow definition',
    );
  });

  it('reports an invalid definition with its step', async () => {
    const file = moduleFile(`export default {
  workflow: { name: 'broken', steps: [{ id: 'x', kind: 'transform', value: { function: 'missing' } }] },
  functions: {},
};
`);
    await expect(loadWorkflowFile(file)).rejects.toThrow(
      '[x] Function "missing" is not registered with the workflow.',
    );
  });
});
