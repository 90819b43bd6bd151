import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from './cli-harness.js';

describe('baton models', () => {
  it('lists the default model and aliases and checks that each answers', async () => {
    const cwd = makeWorkspace({
      'baton.config.yaml': 'models:\n  aliases:\n    fast: mock:fast\n    careful: [mock:careful, fast]\n',
    });
    const result = await runCli(['models', '--json'], { cwd });
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout) as {
      configFile: string;
      usesMock: boolean;
      aliases: Array<{ alias: string; models: Array<{ name: string; reachable: boolean }> }>;
    };
    expect(document.configFile).toMatch(/baton\.config\.yaml$/);
    expect(document.usesMock).toBe(true);
    expect(document.aliases.map((entry) => [entry.alias, entry.models.map((model) => model.name)])).toEqual([
      ['(default)', ['mock:default']],
      ['fast', ['mock:fast']],
      ['careful', ['mock:careful', 'mock:fast']],
    ]);
    expect(document.aliases.every((entry) => entry.models.every((model) => model.reachable))).toBe(true);
  });

  it('reports a model it cannot reach and exits 1', async () => {
    const cwd = makeWorkspace();
    const result = await runCli(['models', '--model', 'smart=openai:gpt-4o-mini'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/smart\s+openai:gpt-4o-mini\s+--model\s+no\s+.*needs an API key/);
  });
});

describe('baton --help', () => {
  it('lists every command and the exit codes', async () => {
    const result = await runCli(['--help'], { cwd: makeWorkspace() });
    expect(result.code).toBe(0);
    for (const command of [
      'run',
      'validate',
      'plan',
      'runs',
      'show',
      'resume',
      'cancel',
      'replay',
      'approve',
      'reject',
      'models',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    }
    expect(result.stdout).toContain(
      'Exit codes: 0 ok, 1 run failed, 2 usage or validation error, 3 waiting for approval, 130 cancelled.',
    );
  });

  it('gives each command its own help with --json, --db and an example', async () => {
    const result = await runCli(['show', '--help'], { cwd: makeWorkspace() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: baton show [options] <run>');
    expect(result.stdout).toContain('--step <path>');
    expect(result.stdout).toContain('--json');
    expect(result.stdout).toContain('--db <path>');
    expect(result.stdout).toContain('$ baton show run_m1abc');
  });

  it('exits 2 on an unknown command', async () => {
    const result = await runCli(['launch'], { cwd: makeWorkspace() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'launch'");
  });
});
