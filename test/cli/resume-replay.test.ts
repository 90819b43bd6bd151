import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, runIdOf, runResultOf, startCli, toolModule } from './cli-harness.js';

const pipeline = `name: pipeline
module: ./pipeline.ts
steps:
  - id: fetch
    kind: tool
    tool: record
    input: { label: fetch }
  - id: wait
    kind: tool
    tool: sleep
    needs: [fetch]
    input: { ms: 60000 }
  - id: report
    kind: transform
    value: "steps.fetch & ' then ' & steps.wait"
`;

const calls = (cwd: string) => readFileSync(join(cwd, 'calls.log'), 'utf8').trim().split('\n');

describe('baton resume and baton replay', () => {
  it('resumes a run whose process was killed without running finished steps again', async () => {
    const cwd = makeWorkspace({ 'pipeline.yaml': pipeline, 'pipeline.ts': toolModule });
    const running = startCli(['run', 'pipeline.yaml'], { cwd });
    await running.waitForOutput('tool-call wait tool=sleep');
    running.child.kill('SIGKILL');
    const killed = await running.exited;
    expect(killed.signal).toBe('SIGKILL');
    const id = runIdOf(killed.stdout);

    // The killed process still holds its lease on the run, so a plain resume is refused.
    const refused = await runCli(['resume', id], { cwd, env: { SLEEP_MS: '10' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Run ${id} is being run by another process.`);
    expect(refused.stderr).toContain('--takeover');
    const resumed = await runCli(['resume', id, '--takeover'], { cwd, env: { SLEEP_MS: '10' } });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`run-start ${id} workflow=pipeline resumed`);
    expect(resumed.stdout).toMatch(/step-end fetch succeeded .*from-journal/);
    expect(resumed.stdout).toContain('"report": "recorded fetch then slept "');
    expect(calls(cwd)).toEqual(['fetch']);
  });

  it('resumes a run cancelled with Ctrl-C', async () => {
    const cwd = makeWorkspace({ 'pipeline.yaml': pipeline, 'pipeline.ts': toolModule });
    const running = startCli(['run', 'pipeline.yaml'], { cwd });
    await running.waitForOutput('tool-call wait tool=sleep');
    running.child.kill('SIGINT');
    const cancelled = await running.exited;
    expect(cancelled.code).toBe(130);
    const resumed = await runCli(['resume', runIdOf(cancelled.stdout), '--json'], {
      cwd,
      env: { SLEEP_MS: '10' },
    });
    expect(resumed.code).toBe(0);
    expect(runResultOf(resumed.stdout)).toMatchObject({
      status: 'succeeded',
      output: { report: 'recorded fetch then slept ' },
    });
    expect(calls(cwd)).toEqual(['fetch']);
  });

  it('replays from a step: a new run reuses what came before it and runs it and what follows', async () => {
    const cwd = makeWorkspace({ 'pipeline.yaml': pipeline, 'pipeline.ts': toolModule });
    const first = await runCli(['run', 'pipeline.yaml', '--json'], { cwd, env: { SLEEP_MS: '10' } });
    const parent = runResultOf(first.stdout) as { runId: string };
    const replayed = await runCli(['replay', parent.runId, '--from', 'wait', '--json'], {
      cwd,
      env: { SLEEP_MS: '10' },
    });
    expect(replayed.code).toBe(0);
    const child = runResultOf(replayed.stdout) as { runId: string; status: string };
    expect(child.runId).not.toBe(parent.runId);
    expect(child.status).toBe('succeeded');
    expect(calls(cwd)).toEqual(['fetch']);
    const shown = await runCli(['show', child.runId], { cwd });
    expect(shown.stdout).toContain(`replayed from ${parent.runId}`);
  });

  it('exits 2 when resuming a run that is not in the journal', async () => {
    const cwd = makeWorkspace();
    const result = await runCli(['resume', 'run_nothing'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No run "run_nothing" in the journal');
  });
});
