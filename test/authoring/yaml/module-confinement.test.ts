import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile, type WorkflowFileProblem } from '../../../src/authoring/yaml/index.js';
import { BatonError } from '../../../src/index.js';

function workspace(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'baton-confine-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(directory, path, '..'), { recursive: true });
    writeFileSync(join(directory, path), text);
  }
  return directory;
}

const flow = (module: string) =>
  `name: f\nmodule: ${module}\nsteps:\n  - id: a\n    kind: transform\n    value: "1"\n`;

async function problemsOf(path: string, options = {}): Promise<WorkflowFileProblem[]> {
  try {
    await loadWorkflowFile(path, options);
  } catch (error) {
    if (BatonError.is(error, 'WORKFLOW_INVALID')) return error.details?.problems as WorkflowFileProblem[];
    throw error;
  }
  throw new Error('expected the workflow to be invalid');
}

describe('workflow modules are confined', () => {
  it('refuses a module outside the workflow folder, without importing it', async () => {
    const directory = workspace({
      'flows/f.yaml': flow('../outside.mjs'),
      'outside.mjs': `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify('')} + import.meta.dirname + '/ran', 'x');\n`,
    });
    const [problem] = await problemsOf(join(directory, 'flows/f.yaml'));
    expect(problem).toMatchObject({ location: { line: 2, column: 9 } });
    expect(problem?.message).toMatch(/outside the workflow's folder/);
    expect(existsSync(join(directory, 'ran'))).toBe(false);
  });

  it('imports a module outside the workflow folder when its folder is allowed', async () => {
    const directory = workspace({
      'flows/f.yaml': flow('../lib/m.mjs'),
      'lib/m.mjs': 'export const functions = {};\n',
    });
    const loaded = await loadWorkflowFile(join(directory, 'flows/f.yaml'), {
      moduleRoots: [join(directory, 'lib')],
    });
    expect(loaded.modulePath).toBe(join(directory, 'lib/m.mjs'));
  });

  it('refuses an absolute path, a device and a link that leads out of the folder', async () => {
    const directory = workspace({ 'outside.mjs': 'export const functions = {};\n' });
    mkdirSync(join(directory, 'flows'));
    symlinkSync(join(directory, 'outside.mjs'), join(directory, 'flows/linked.mjs'));
    for (const [module, reason] of [
      [join(directory, 'outside.mjs'), /outside the workflow's folder/],
      ['/dev/zero', /not a regular file/],
      ['./linked.mjs', /outside the workflow's folder/],
    ] as const) {
      writeFileSync(join(directory, 'flows/f.yaml'), flow(module));
      const [problem] = await problemsOf(join(directory, 'flows/f.yaml'));
      expect(problem?.message).toMatch(reason);
    }
  });

  it('reports a module that calls process.exit while loading, and the process goes on', async () => {
    const directory = workspace({ 'f.yaml': flow('./m.mjs'), 'm.mjs': 'process.exit(0);\n' });
    const [problem] = await problemsOf(join(directory, 'f.yaml'));
    expect(problem?.message).toMatch(/cannot be imported: the module called process.exit\(0\)/);
  });

  it('gives up on a module whose top-level await never settles', async () => {
    const directory = workspace({ 'f.yaml': flow('./m.mjs'), 'm.mjs': 'await new Promise(() => {});\n' });
    const [problem] = await problemsOf(join(directory, 'f.yaml'), { importTimeoutMs: 200 });
    expect(problem?.message).toMatch(/took longer than 200 ms/);
  });

  it('reports an import failure with its reason, and the other problems of the file too', async () => {
    const directory = workspace({
      'f.yaml': 'name: f\nmodule: ./m.mjs\nsteps:\n  - id: a\n    kind: transform\n    value: "1 +"\n',
      'm.mjs': "throw new Error('boom at load');\n",
    });
    const problems = await problemsOf(join(directory, 'f.yaml'));
    expect(problems.map((problem) => problem.message)).toEqual([
      expect.stringMatching(/cannot be imported: boom at load/),
      expect.stringMatching(/Cannot parse expression/),
    ]);
  });
});
