import { beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, runIdOf } from './cli-harness.js';

const fanOut = `name: fan-out
steps:
  - id: list
    kind: transform
    value: "['a', 'b', 'c']"
  - id: review
    kind: map
    items: "steps.list"
    steps:
      - id: check
        kind: llm
        model: fast
        prompt: "Check {{ item }}"
  - id: summary
    kind: llm
    model: smart
    prompt: "Summarize {{ steps.review }}"
`;

describe('baton runs and baton show', () => {
  let cwd: string;
  let succeeded: string;
  let failed: string;

  beforeAll(async () => {
    cwd = makeWorkspace({
      'fan-out.yaml': fanOut,
      'broken.yaml':
        'name: broken\nsteps:\n  - id: explode\n    kind: transform\n    value: "$error(\'boom\')"\n',
    });
    succeeded = runIdOf((await runCli(['run', 'fan-out.yaml'], { cwd })).stdout);
    failed = runIdOf((await runCli(['run', 'broken.yaml'], { cwd })).stdout);
  });

  it('lists runs newest first with status, duration, tokens and cost', async () => {
    const result = await runCli(['runs'], { cwd });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run\s+workflow\s+status\s+started\s+took\s+tokens\s+cost/);
    expect(lines[1]).toMatch(new RegExp(`^${failed}\\s+broken\\s+failed\\s+.*EXPRESSION_FAILED at explode$`));
    expect(lines[2]).toMatch(new RegExp(`^${succeeded}\\s+fan-out\\s+succeeded\\s+.*\\d+→\\d+ tok\\s+\\$`));
  });

  it('filters runs by workflow, status, date and count', async () => {
    const byStatus = JSON.parse(
      (await runCli(['runs', '--status', 'failed', '--json'], { cwd })).stdout,
    ) as Array<{ id: string }>;
    expect(byStatus.map((run) => run.id)).toEqual([failed]);
    const byWorkflow = JSON.parse(
      (await runCli(['runs', '--workflow', 'fan-out', '--json'], { cwd })).stdout,
    ) as Array<{ id: string }>;
    expect(byWorkflow.map((run) => run.id)).toEqual([succeeded]);
    const limited = JSON.parse(
      (await runCli(['runs', '--limit', '1', '--since', '1h', '--json'], { cwd })).stdout,
    ) as unknown[];
    expect(limited).toHaveLength(1);
    const future = JSON.parse(
      (await runCli(['runs', '--since', '2999-01-01', '--json'], { cwd })).stdout,
    ) as unknown[];
    expect(future).toEqual([]);
  });

  it('rejects an unknown status with exit code 2', async () => {
    const result = await runCli(['runs', '--status', 'done'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Allowed choices are running, waiting, succeeded, failed, cancelled');
  });

  it('shows the step tree with map items, attempts, tokens, cost, output size and a table per model', async () => {
    const result = await runCli(['show', succeeded], { cwd });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`Run ${succeeded} · workflow fan-out · succeeded`);
    const tree = lines
      .filter((line) => /^\s*(list|review|\[\d\]|check|summary)(\s|$)/.test(line))
      .map((line) => /^\s*\S+/.exec(line)?.[0]);
    expect(tree).toEqual([
      'list',
      'review',
      '  [0]',
      '    check',
      '  [1]',
      '    check',
      '  [2]',
      '    check',
      'summary',
    ]);
    expect(result.stdout).toMatch(
      / {4}check\s+llm\s+succeeded\s+1\s+\S+\s+\d+→\d+ tok\s+\$\S+\s+\d+ B\s+mock:fast/,
    );
    expect(result.stdout).toMatch(/^model\s+steps\s+in tok\s+out tok\s+cost$/m);
    expect(result.stdout).toMatch(/^mock:fast\s+3\s+/m);
    expect(result.stdout).toMatch(/^mock:smart\s+1\s+/m);
  });

  it('prints the full input and output of one step instance with --step', async () => {
    const result = await runCli(['show', succeeded, '--step', 'review[1]/check'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Step review[1]/check (llm) · succeeded · 1 attempt(s)');
    expect(result.stdout).toContain('"prompt": "Check b"');
    expect(result.stdout).toMatch(/Output:\nMock answer \w+ from mock:fast to "Check b"/);
  });

  it('gives the run, its steps and its cost per model with --json', async () => {
    const result = await runCli(['show', failed, '--json'], { cwd });
    const document = JSON.parse(result.stdout) as {
      run: { status: string; error: { code: string } };
      steps: Array<{ path: string; status: string }>;
    };
    expect(document.run).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION_FAILED' } });
    expect(document.steps).toEqual([expect.objectContaining({ path: 'explode', status: 'failed' })]);
  });

  it('exits 2 for a run that is not in the journal', async () => {
    const result = await runCli(['show', 'run_missing'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: No run "run_missing" in the journal .*baton\.db\. List runs with `baton runs`/,
    );
  });

  it('says there are no runs yet without creating a journal', async () => {
    const empty = makeWorkspace();
    const result = await runCli(['runs'], { cwd: empty });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No runs yet (no journal at');
    const again = await runCli(['runs'], { cwd: empty });
    expect(again.stdout).toContain('No runs yet');
  });
});
