import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { greetYaml, reviewYaml } from '../server/server-fixture.js';
import { makeWorkspace, type RunningCli, runCli, runIdOf, startCli } from './cli-harness.js';

const running: RunningCli[] = [];
const workspaces: string[] = [];

afterEach(async () => {
  for (const cli of running.splice(0)) {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
  for (const workspace of workspaces.splice(0)) rmSync(workspace, { recursive: true, force: true });
});

async function serve(cwd: string, args: string[] = [], env: Record<string, string> = {}) {
  const cli = startCli(['serve', 'flows', '--port', '0', '--json', ...args], { cwd, env });
  running.push(cli);
  await cli.waitForOutput(/"url"/);
  return { cli, url: JSON.parse(cli.stdout()).url as string };
}

describe('baton serve', () => {
  it('shares the journal with the CLI: runs started by either appear in the other', async () => {
    const cwd = makeWorkspace({
      'flows/greet.yaml': greetYaml,
      'flows/review.yaml': reviewYaml,
      'flows/bad.yaml': 'steps: 3\n',
    });
    workspaces.push(cwd);
    const fromCli = await runCli(['run', 'flows/greet.yaml', '--input', 'name=Ana'], { cwd });
    expect(fromCli.code).toBe(0);
    const cliRunId = runIdOf(fromCli.stdout + fromCli.stderr);
    const { cli, url } = await serve(cwd);
    expect(JSON.parse(cli.stdout())).toMatchObject({ workflows: 3, invalid: 1 });
    const listed = (await (await fetch(`${url}/api/runs`)).json()) as { runs: Array<{ id: string }> };
    expect(listed.runs.map((run) => run.id)).toContain(cliRunId);
    const started = await fetch(`${url}/api/workflows/review/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { total: 4 } }),
    });
    expect(started.status).toBe(201);
    const { runId } = (await started.json()) as { runId: string };
    let status = '';
    for (let tries = 0; tries < 100 && status !== 'waiting'; tries++) {
      status = ((await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string }).status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const runs = await runCli(['runs', '--json'], { cwd });
    expect(JSON.parse(runs.stdout).map((run: { id: string }) => run.id)).toContain(runId);
    // The CLI decides what the server's run waits on, and the server sees the decision.
    const approved = await runCli(['approve', runId, 'check', '--by', 'dana'], { cwd });
    expect(approved.code).toBe(0);
    const after = (await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string };
    expect(after.status).toBe('succeeded');
  }, 60_000);

  it('refuses to listen beyond loopback without tokens', async () => {
    const cwd = makeWorkspace({ 'flows/greet.yaml': greetYaml });
    workspaces.push(cwd);
    const result = await runCli(['serve', 'flows', '--host', '0.0.0.0', '--port', '0'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('without tokens');
  }, 30_000);

  it('takes tokens from BATON_SERVER_TOKENS', async () => {
    const cwd = makeWorkspace({ 'flows/greet.yaml': greetYaml });
    workspaces.push(cwd);
    const { url } = await serve(cwd, ['--no-sweep'], {
      BATON_SERVER_TOKENS: 'ana:approver:ana-secret-token-123',
    });
    expect((await fetch(`${url}/api/me`)).status).toBe(401);
    const me = await fetch(`${url}/api/me`, { headers: { authorization: 'Bearer ana-secret-token-123' } });
    expect(await me.json()).toEqual({ name: 'ana', role: 'approver' });
  }, 30_000);

  it('reloads the workflow files with --watch', async () => {
    const cwd = makeWorkspace({ 'flows/greet.yaml': greetYaml });
    workspaces.push(cwd);
    const { url } = await serve(cwd, ['--watch']);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'flows', 'review.yaml'), reviewYaml);
    let names: string[] = [];
    for (let tries = 0; tries < 100 && !names.includes('review'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      names = (
        (await (await fetch(`${url}/api/workflows`)).json()) as { workflows: Array<{ name: string }> }
      ).workflows.map((workflow) => workflow.name);
    }
    expect(names.sort()).toEqual(['greet', 'review']);
  }, 30_000);
});
