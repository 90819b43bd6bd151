import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile } from '../../../src/authoring/yaml/index.js';

function fileWith(text: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'baton-hostile-'));
  writeFileSync(join(directory, 'f.yaml'), text);
  return join(directory, 'f.yaml');
}

const laughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefgh'.split('').map((name, index) => {
    const previous = 'abcdefgh'[index];
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
  }),
  'name: x',
  'steps: []',
].join('\n');

describe('hostile workflow files', () => {
  it.each([
    ['an alias that names no anchor', 'name: x\nsteps: *nope\n', 2, /Alias \*nope names no anchor/],
    [
      'an alias inside the node it refers to',
      'name: x\nsteps: &s\n  - id: a\n    kind: transform\n    value: *s\n',
      5,
      /Alias \*s is inside the node it refers to/,
    ],
    ['an alias bomb', laughs, 2, /Excessive alias count/],
  ])('refuses %s with WORKFLOW_INVALID at its line', async (_name, text, line, message) => {
    const error = await loadWorkflowFile(fileWith(text)).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      code: 'WORKFLOW_INVALID',
      details: { problems: [{ location: { line }, message: expect.stringMatching(message) }] },
    });
  });

  it('refuses a directory and a FIFO given as the workflow file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'baton-hostile-'));
    mkdirSync(join(directory, 'dir.yaml'));
    execFileSync('mkfifo', [join(directory, 'pipe.yaml')]);
    await expect(loadWorkflowFile(join(directory, 'dir.yaml'))).rejects.toMatchObject({
      code: 'WORKFLOW_INVALID',
      message: expect.stringContaining('is a directory, not a workflow file'),
    });
    await expect(loadWorkflowFile(join(directory, 'pipe.yaml'))).rejects.toMatchObject({
      code: 'WORKFLOW_INVALID',
      message: expect.stringContaining('is a FIFO, not a workflow file'),
    });
  });
});
