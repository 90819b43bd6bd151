import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
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
      'answer',
      'models',
      'eval',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    }
    expect(result.stdout).toContain(
      'Exit codes: 0 ok, 1 run failed, 2 usage or validation error, 3 waiting for a person, 4 eval inconclusive, 130 cancelled.',
    );
  });

  it('gives each command its own help with --json, --db and an example', async () => {
    const result = await runCli(['show', '--help'], { cwd: makeWorkspace() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: baton show [options] [run]');
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

describe('baton models pull', () => {
  it('downloads a GGUF file from a server into the given folder, with progress on stderr', async () => {
    const body = Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64 * 1024, 7)]);
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-length': String(body.length) });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const cwd = makeWorkspace();
      const result = await runCli(
        ['models', 'pull', '--url', `http://127.0.0.1:${port}/tiny.gguf`, '--to', cwd, '--json'],
        { cwd },
      );
      expect(result.code).toBe(0);
      const { path } = JSON.parse(result.stdout) as { path: string };
      expect(path).toBe(join(cwd, 'tiny.gguf'));
      expect(readFileSync(path).equals(body)).toBe(true);
      expect(result.stderr).toContain('0.1 / 0.1 MB');
    } finally {
      server.close();
    }
  });

  it('fails at once with a clear message when there is no network', async () => {
    const cwd = makeWorkspace();
    const result = await runCli(['models', 'pull', '--url', 'http://127.0.0.1:9/model.gguf', '--to', cwd], {
      cwd,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Could not download the model http:\/\/127\.0\.0\.1:9\/model\.gguf/);
  });
});
