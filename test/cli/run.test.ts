import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, runIdOf, runResultOf, startCli, toolModule } from './cli-harness.js';

const workflow = `
name: article
module: ./article.ts
input:
  type: object
  properties:
    topic: { type: string }
  required: [topic]
steps:
  - id: outline
    kind: llm
    prompt: "Outline an article about {{ input.topic }}"
  - id: shouted
    kind: transform
    value: { function: shout }
    needs: [outline]
  - id: pause
    kind: tool
    tool: sleep
    input: { ms: 10, label: a }
  - id: done
    kind: transform
    value: "steps.pause & ' / ' & steps.shouted"
`;

describe('baton run', () => {
  it('prints one line per event and then the output when stdout is not a terminal', async () => {
    const cwd = makeWorkspace({ 'article.yaml': workflow, 'article.ts': toolModule });
    const result = await runCli(['run', 'article.yaml', '--mock', '--input', 'topic=whales'], { cwd });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^\+0\.000s run-start run_\w+ workflow=article$/);
    expect(result.stdout).toMatch(/step-start outline kind=llm attempt=1/);
    expect(result.stdout).toMatch(
      /step-end outline succeeded \S+ tokens=\d+→\d+ tok cost=\$\S+ model=mock:default/,
    );
    expect(result.stdout).toMatch(/tool-call pause tool=sleep call=0/);
    expect(result.stdout).toMatch(/run-end run_\w+ succeeded/);
    expect(result.stdout).toContain('✓ Run run_');
    expect(result.stdout).toContain('"done": "slept a / MOCK ANSWER');
    expect(result.stdout).not.toContain('\u001b[');
    expect(result.stderr).toContain('No model is configured: model steps answer from mock models.');
  });

  it('prints only the result document with --json', async () => {
    const cwd = makeWorkspace({ 'article.yaml': workflow, 'article.ts': toolModule });
    const result = await runCli(['run', 'article.yaml', '--mock', '--input', 'topic=whales', '--json'], {
      cwd,
    });
    expect(result.code).toBe(0);
    const document = runResultOf(result.stdout) as {
      runId: string;
      status: string;
      output: Record<string, unknown>;
      usage: { inputTokens: number };
    };
    expect(document.status).toBe('succeeded');
    expect(document.runId).toMatch(/^run_/);
    expect(document.output.done).toMatch(/^slept a \/ MOCK ANSWER/);
    expect(document.usage.inputTokens).toBeGreaterThan(0);
  });

  it('reads the input from --input-file and lets --input override a field', async () => {
    const cwd = makeWorkspace({
      'article.yaml': workflow,
      'article.ts': toolModule,
      'input.json': JSON.stringify({ topic: 'from the file' }),
    });
    const fromFile = await runCli(['run', 'article.yaml', '--mock', '--input-file', 'input.json', '--json'], {
      cwd,
    });
    expect(runResultOf(fromFile.stdout).output.outline).toContain('from the file');
    const overridden = await runCli(
      ['run', 'article.yaml', '--mock', '--input-file', 'input.json', '--input', 'topic=otters', '--json'],
      { cwd },
    );
    expect(runResultOf(overridden.stdout).output.outline).toContain('otters');
  });

  it('exits 2 with the error in one line when the input misses a required field', async () => {
    const cwd = makeWorkspace({ 'article.yaml': workflow, 'article.ts': toolModule });
    const result = await runCli(['run', 'article.yaml', '--mock'], { cwd });
    expect(result.code).toBe(2);
    const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain('See docs/errors.md#input-invalid');
  });

  it('exits 2 on a malformed option, naming the option', async () => {
    const cwd = makeWorkspace({ 'article.yaml': workflow });
    const result = await runCli(['run', 'article.yaml', '--mock', '--input', 'no-equals-sign'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--input <key=value>' argument 'no-equals-sign' is invalid");
  });

  it('exits 2 when the workflow file does not exist', async () => {
    const cwd = makeWorkspace();
    const result = await runCli(['run', 'missing.yaml'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Workflow file missing.yaml does not exist.');
  });

  it('exits 1 and says how to inspect and retry when a step fails', async () => {
    const cwd = makeWorkspace({
      'broken.yaml':
        'name: broken\nsteps:\n  - id: divide\n    kind: transform\n    value: "$error(\'boom\')"\n',
    });
    const result = await runCli(['run', 'broken.yaml'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/inspect: baton show run_\w+ --step divide/);
    expect(result.stdout).toMatch(/retry: {3}baton resume run_\w+/);
    expect(result.stderr).toContain('error: ');
    expect(result.stderr).toContain('boom');
  });

  it('journals runs in .baton/baton.db of the working directory, or in --db', async () => {
    const cwd = makeWorkspace({ 'article.yaml': workflow, 'article.ts': toolModule });
    await runCli(['run', 'article.yaml', '--mock', '--input', 'topic=a'], { cwd });
    await runCli(['run', 'article.yaml', '--mock', '--input', 'topic=b', '--db', 'elsewhere/runs.db'], {
      cwd,
    });
    const here = JSON.parse((await runCli(['runs', '--json'], { cwd })).stdout) as unknown[];
    const there = JSON.parse(
      (await runCli(['runs', '--json', '--db', 'elsewhere/runs.db'], { cwd })).stdout,
    ) as unknown[];
    expect(here).toHaveLength(1);
    expect(there).toHaveLength(1);
    expect(readFileSync(join(cwd, '.baton/baton.db')).subarray(0, 15).toString()).toBe('SQLite format 3');
    // Four processes in a row: on a busy machine each takes seconds to start.
  }, 60_000);

  it('cancels on Ctrl-C, journals the run as cancelled, says how to resume and exits 130', async () => {
    const cwd = makeWorkspace({
      'slow.yaml':
        'name: slow\nmodule: ./slow.ts\nsteps:\n  - id: wait\n    kind: tool\n    tool: sleep\n    input: { ms: 30000 }\n',
      'slow.ts': toolModule,
    });
    const running = startCli(['run', 'slow.yaml'], { cwd });
    await running.waitForOutput('tool-call wait tool=sleep');
    running.child.kill('SIGINT');
    const result = await running.exited;
    expect(result.code).toBe(130);
    const id = runIdOf(result.stdout);
    expect(result.stdout).toContain(`resume it: baton resume ${id}`);
    expect(result.stdout).toContain('step-error wait attempt=1 RUN_CANCELLED: Cancelled with Ctrl-C.');
    const runs = JSON.parse((await runCli(['runs', '--json'], { cwd })).stdout) as Array<{
      id: string;
      status: string;
    }>;
    expect(runs).toEqual([expect.objectContaining({ id, status: 'cancelled' })]);
  });

  it('stops the run with --budget once its cost passes the budget', async () => {
    const cwd = makeWorkspace({
      'costly.yaml':
        'name: costly\nsteps:\n  - id: first\n    kind: llm\n    prompt: "' +
        'x'.repeat(4000) +
        '"\n  - id: second\n    kind: llm\n    prompt: "{{ steps.first }} and more"\n',
    });
    const result = await runCli(['run', 'costly.yaml', '--budget', '0.0000001', '--json'], { cwd });
    expect(result.code).toBe(1);
    expect(runResultOf(result.stdout)).toMatchObject({
      status: 'failed',
      error: { code: 'BUDGET_EXCEEDED' },
    });
  });
});
