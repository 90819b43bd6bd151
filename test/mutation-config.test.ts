import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('mutation testing set-up', () => {
  it('is its own npm script, not part of npm test', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['test:mutation']).toBe('node mutation/run.mjs');
    expect(scripts.test).not.toContain('stryker');
    expect(scripts.test).not.toContain('mutation');
  });

  it('documents every module group it runs, by the name the command takes', async () => {
    const { groups, groupTests } = (await import('../mutation/stryker.config.mjs')) as {
      groups: Record<string, string[]>;
      groupTests: Record<string, string[]>;
    };
    const readme = read('README.md');
    expect(readme).toContain('npm run test:mutation');
    expect(Object.keys(groupTests)).toEqual(Object.keys(groups));
    for (const [name, patterns] of Object.entries(groups)) {
      expect(readme).toContain(`\`${name}\``);
      for (const pattern of patterns)
        expect(existsSync(resolve(root, pattern.replace('/**/*.ts', '')))).toBe(true);
      // Each group is checked by tests of its own area, which exist.
      for (const pattern of groupTests[name] ?? [])
        expect(existsSync(resolve(root, pattern.replace(/\/(\*\*\/)?[^/]*\*[^/]*$/, ''))), pattern).toBe(
          true,
        );
    }
  });

  it('lists equivalent mutants whose code is still in the file they name', () => {
    const rows = read('mutation/equivalent-mutants.md')
      .split('\n')
      .filter((line) => line.startsWith('| src/'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const cells = row
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replaceAll('\\|', '|'));
      const [file = '', mutator = '', original = '', replacement = '', reason = ''] = cells;
      expect(existsSync(resolve(root, file)), file).toBe(true);
      expect(mutator).toMatch(/^[A-Z][A-Za-z]+$/);
      // Whitespace aside, as the score matches them: a mutant may span lines.
      expect(squash(read(file))).toContain(squash(original.replace(/^`|`$/g, '')));
      expect(replacement).not.toBe('');
      expect(reason.length, `${file}: ${original}`).toBeGreaterThan(20);
    }
  });
});
