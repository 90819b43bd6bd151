import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile } from '../src/authoring/yaml/index.js';

const root = resolve(import.meta.dirname, '..');
const readmes = [
  'examples/README.md',
  ...readdirSync(import.meta.dirname, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `examples/${entry.name}/README.md`),
];

describe('example READMEs', () => {
  it.each(readmes)('%s names only files that exist', (readme) => {
    const text = readFileSync(join(root, readme), 'utf8');
    const directory = join(root, readme, '..');
    const fromRoot = Array.from(text.matchAll(/\bexamples\/[\w./-]+\.(?:yaml|json|ts)\b/g), (match) =>
      join(root, match[0]),
    );
    const linked = Array.from(text.matchAll(/\]\(([\w./-]+)\)/g), (match) => join(directory, match[1] ?? ''));
    const missing = [...fromRoot, ...linked].filter((path) => !existsSync(path));
    expect(missing).toEqual([]);
    expect(fromRoot.length + linked.length).toBeGreaterThan(0);
  });

  it.each(readmes)('%s runs only workflow files that load and validate', async (readme) => {
    const text = readFileSync(join(root, readme), 'utf8');
    const runs = Array.from(text.matchAll(/baton run (examples\/\S+\.yaml)/g), (match) => match[1] ?? '');
    for (const file of new Set(runs)) await expect(loadWorkflowFile(join(root, file))).resolves.toBeDefined();
  });
});
