import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, runIdOf, startCli } from './cli-harness.js';

const echo = 'name: echo\nsteps:\n  - id: a\n    kind: transform\n    value: input\n';

describe('hostile input at the command line', () => {
  it('refuses a 100k-deep input with INPUT_INVALID, exit 2, and journals no run', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const cwd = makeWorkspace({ 'echo.yaml': echo, 'deep.json': deep });
    const result = await runCli(['run', 'echo.yaml', '--input-file', 'deep.json'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Run input is nested deeper than 100 levels');
    expect(result.stderr).toContain('docs/errors.md#input-invalid');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const runs = await runCli(['runs', '--json'], { cwd });
    expect(JSON.parse(runs.stdout)).toEqual([]);
  });

  it('shows control characters of files and inputs as escapes, never raw', async () => {
    const cwd = makeWorkspace({
      'evil.yaml':
        'name: "evil\\u001b]0;pwned\\u0007"\nsteps:\n  - id: a\n    kind: transform\n    value: input.text\n',
    });
    const result = await runCli(['run', 'evil.yaml', '--input', 'text=\u001b[2Jgone'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\\u001b[2Jgone');
    expect(result.stdout).toContain('evil\\u001b]0;pwned\\u0007');
    expect(result.stdout + result.stderr).not.toContain('\u001b');
    expect(result.stdout + result.stderr).not.toContain('\u0007');
  });

  it('stops an endless expression at the step timeout, and on Ctrl-C', async () => {
    const spin = (timeout: string) =>
      `name: spin\nsteps:\n  - id: spin\n    kind: transform\n${timeout}    value: '($f := function($x){ $f($x+1) }; $f(0))'\n`;
    const cwd = makeWorkspace({ 'timed.yaml': spin('    timeout: 500ms\n'), 'spin.yaml': spin('') });
    const timed = await runCli(['run', 'timed.yaml'], { cwd });
    expect(timed.code).toBe(1);
    expect(timed.stderr).toContain('took longer than its timeout of 500 ms');
    const running = startCli(['run', 'spin.yaml'], { cwd });
    await running.waitForOutput('step-start spin');
    running.child.kill('SIGINT');
    const cancelled = await running.exited;
    expect(cancelled.code).toBe(130);
    expect(cancelled.stdout).toContain('was cancelled');
  });

  it('ends quietly when the reader of its output goes away', async () => {
    const big = 'name: big\nsteps:\n  - id: a\n    kind: transform\n    value: \'$pad("", 400000, "x")\'\n';
    const cwd = makeWorkspace({ 'big.yaml': big });
    const run = await runCli(['run', 'big.yaml'], { cwd });
    const show = startCli(['show', runIdOf(run.stdout), '--step', 'a'], { cwd });
    await show.waitForOutput('Step a');
    show.child.stdout?.destroy();
    const result = await show.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('EPIPE');
  });
});
