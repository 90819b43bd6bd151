import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../cli/cli-harness.js';

const root = resolve(import.meta.dirname, '../..');
const routing = join(root, 'examples/multi-step-orchestration/routing.eval.yaml');

describe('baton eval', () => {
  it('runs the routing example, then answers the same eval from the journal alone', async () => {
    const cwd = makeWorkspace();
    const first = await runCli(['eval', routing, '--junit', 'eval.xml', '--markdown', 'eval.md'], { cwd });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /routed\s+48\s+0\s+95\.8%\s+95\.83\s+-4\.17 \[-8\.91, \+0\.58\]\s+non-inferior, no measurable degradation/,
    );
    expect(first.stdout).toMatch(/McNemar b = 2, c = 0/);
    const junit = readFileSync(join(cwd, 'eval.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="model-routing-quality" tests="97" failures="2">/);
    expect(readFileSync(join(cwd, 'eval.md'), 'utf8')).toContain('| routed |');
    const again = await runCli(['eval', routing, '--json'], { cwd });
    const report = JSON.parse(again.stdout) as {
      evalId: string;
      variants: Array<{ id: string; costPerCase: number }>;
    };
    const evalId = /\((eval_[0-9a-f]+)\)/.exec(first.stdout)?.[1];
    expect(report.evalId).toBe(evalId);
    const routed = report.variants.find((variant) => variant.id === 'routed');
    const strong = report.variants.find((variant) => variant.id === 'strong-everywhere');
    expect(routed?.costPerCase).toBeLessThan(strong?.costPerCase ?? 0);
    const shown = await runCli(['eval', 'show', evalId ?? '', '--json'], { cwd });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ evalId, variants: report.variants });
  }, 60_000);

  it('validates an eval file with baton validate, naming the line of a problem', async () => {
    const cwd = makeWorkspace({
      'bad.eval.yaml': 'name: bad\nworkflow: w.yaml\ndataset: d.jsonl\nmargn: 5\n',
    });
    const good = await runCli(['validate', routing, '--json'], { cwd });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ valid: true, eval: 'model-routing-quality', cases: 48 });
    const bad = await runCli(['validate', 'bad.eval.yaml'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.eval.yaml:1:1');
  }, 60_000);

  it('exits 2 for an eval id that is not in the journal and for a bad --fail-on', async () => {
    const cwd = makeWorkspace();
    expect((await runCli(['eval', 'show', 'eval_nope'], { cwd })).code).toBe(2);
    expect((await runCli(['eval', 'plan', join(cwd, 'missing.eval.yaml')], { cwd })).code).toBe(2);
  });
});
