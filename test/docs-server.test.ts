import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeWorkspace, type RunningCli, startCli } from './cli/cli-harness.js';

const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** The curl commands of docs/server.md's shell blocks, in order. */
function curlCommands(): string[] {
  const page = readFileSync(join(root, 'docs/server.md'), 'utf8');
  return Array.from(page.matchAll(/```sh\n([\s\S]*?)```/g), (match) => match[1] ?? '')
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('curl '));
}

describe('docs/server.md', () => {
  const cwd = makeWorkspace();
  let server: RunningCli | undefined;
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    rmSync(cwd, { recursive: true, force: true });
  });

  it('runs every curl example against `baton serve` on the examples, without an error', async () => {
    const commands = curlCommands();
    expect(commands.length).toBeGreaterThanOrEqual(14);
    server = startCli(['serve', join(root, 'examples/multi-step-orchestration'), '--port', '0', '--json'], {
      cwd,
    });
    await server.waitForOutput(/"url"/);
    const url = (JSON.parse(server.stdout()) as { url: string }).url;
    let runId = '';
    const status = async () =>
      ((await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string }).status;
    for (const command of commands) {
      if (/\/(approve|reject)/.test(command)) {
        for (let tries = 0; tries < 200 && (await status()) !== 'waiting'; tries++)
          await new Promise((done) => setTimeout(done, 50));
      }
      const { stdout } = await run('bash', ['-c', command], {
        env: { ...process.env, BATON: url, RUN: runId },
        timeout: 20_000,
      });
      if (command.includes('/events')) {
        expect(stdout, command).toMatch(/^event: run-start\ndata: .*\nid: 1\n/);
        expect(stdout, command).toContain('event: run-end');
        continue;
      }
      const body = JSON.parse(stdout) as { error?: unknown; runId?: string };
      expect(body.error, `${command}\n${stdout}`).toBeUndefined();
      if (body.runId) runId = body.runId;
    }
  }, 120_000);
});
