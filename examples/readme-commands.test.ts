import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile } from '../src/authoring/yaml/index.js';
import { makeWorkspace, runCli } from '../test/cli/cli-harness.js';

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

/**
 * The examples whose README `baton run` commands run offline, from the repository root, with the
 * mock model: each must end as its README says (0, or 3 when it waits for a person).
 */
const offline: Record<string, number> = {
  'content-pipeline': 0,
  'outline-check-write': 0,
  'questions-answers': 0,
  'copy-translation': 0,
  'data-insights': 0,
  'customer-onboarding': 3,
  'serial-chain': 0,
};

describe('example README commands, run offline', () => {
  it.each(Object.entries(offline))(
    '%s runs from its README command',
    { timeout: 120_000 },
    async (name, exit) => {
      const text = readFileSync(join(root, 'examples', name, 'README.md'), 'utf8').replaceAll('\\\n', ' ');
      const commands = Array.from(
        text.matchAll(/^baton (run examples\/\S+\.yaml .*--input-file \S+.*)$/gm),
        (match) => (match[1] ?? '').split(/\s+/).filter((arg) => arg !== '' && !arg.startsWith('--model')),
      ).filter((args) => !args.some((arg) => arg.includes('=')));
      expect(commands.length).toBeGreaterThan(0);
      const db = join(makeWorkspace(), 'baton.db');
      for (const args of commands) {
        const result = await runCli([...args, '--db', db], { cwd: root });
        expect({ args, code: result.code, stderr: result.stderr }).toMatchObject({ code: exit });
      }
    },
  );
});
