import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

describe('docs', () => {
  it('has one section in docs/errors.md for every error code', () => {
    const source = read('src/core/errors.ts');
    const union = source.slice(
      source.indexOf('export type BatonErrorCode'),
      source.indexOf(';', source.indexOf('export type BatonErrorCode')),
    );
    const codes = Array.from(union.matchAll(/'([A-Z_]+)'/g), (match) =>
      (match[1] ?? '').toLowerCase().replaceAll('_', '-'),
    );
    const sections = Array.from(read('docs/errors.md').matchAll(/^## (.+)$/gm), (match) => match[1]);
    expect(sections.sort()).toEqual(codes.sort());
  });

  it('shows the test command in the README and calls it from CI', () => {
    expect(read('README.md')).toContain('npm test');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });
});

describe('README', () => {
  const readme = read('README.md');

  it('shows a workflow file that loads and validates', async () => {
    const { loadWorkflowFile } = await import('../src/authoring/yaml/index.js');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const directory = mkdtempSync(join(tmpdir(), 'baton-readme-'));
    writeFileSync(join(directory, 'review.yaml'), yaml);
    const loaded = await loadWorkflowFile(join(directory, 'review.yaml'));
    expect(loaded.workflow.steps.map((step) => step.id)).toEqual([
      'changes',
      'correctness',
      'performance',
      'security',
      'summary',
    ]);
  });

  it('runs every CLI command it shows', () => {
    const commands = Array.from(readme.matchAll(/^npm run baton -- (.+)$/gm), (match) => match[1] ?? '');
    expect(commands.length).toBeGreaterThanOrEqual(5);
    const db = join(mkdtempSync(join(tmpdir(), 'baton-readme-')), 'baton.db');
    let runId = '';
    for (const command of commands) {
      const args = command.replace('<run>', runId).split(' ');
      const stdout = execFileSync(
        process.execPath,
        ['--import', 'tsx', resolve(root, 'src/cli/main.ts'), ...args, '--db', db, '--json'],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
      // `run --json` prints the run's events as JSON lines, its result last.
      if (args[0] === 'run')
        runId = (JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { runId: string }).runId;
    }
    expect(runId).toMatch(/^run_/);
  }, 60_000);
});
