import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { makeWorkspace, runCli, runIdOf } from './cli-harness.js';

describe('checks and context through the CLI', { timeout: 120_000 }, () => {
  it('fails a run whose prompt reads a field that is not there with MISSING_INPUT, showing what the step read', async () => {
    const cwd = makeWorkspace({
      'chain.yaml': [
        'name: chain',
        'steps:',
        '  - { id: extract, kind: transform, value: \'{ "files": ["a.ts"] }\' }',
        "  - { id: review, kind: llm, prompt: 'Summary: {{ steps.extract.summary }} / diff: {{ input.diff }}' }",
        '',
      ].join('\n'),
    });
    const result = await runCli(['run', 'chain.yaml'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing-input');
    expect(result.stderr).toContain('{{ steps.extract.summary }} evaluates to nothing');
    expect(result.stdout).toContain('steps.extract = {"files":["a.ts"]}');
    const shown = await runCli(['show', '--step', 'review'], { cwd });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('"reads"');
  });

  it('validate reports a read of a field the output schema does not declare', async () => {
    const cwd = makeWorkspace({
      'chain.yaml': [
        'name: chain',
        'steps:',
        '  - id: extract',
        '    kind: llm',
        "    prompt: 'List the files'",
        '    output: { type: object, properties: { files: { type: array } }, required: [files] }',
        "  - { id: review, kind: llm, prompt: '{{ steps.extract.summary }}' }",
        '',
      ].join('\n'),
    });
    const result = await runCli(['validate', 'chain.yaml'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/chain\.yaml:7:\d+/);
    expect(result.stderr).toContain(
      'reads steps.extract.summary, but the output schema of "extract" has no field "summary"',
    );
  });

  it('shows the newest run with no id, and an unpriced cost as ?, never $0', async () => {
    const cwd = makeWorkspace({
      'steps.yaml': "name: steps\nsteps:\n  - { id: a, kind: transform, value: '1' }\n",
    });
    expect((await runCli(['show'], { cwd })).stderr).toContain('There are no runs yet.');
    const first = runIdOf((await runCli(['run', 'steps.yaml'], { cwd })).stdout);
    const second = runIdOf((await runCli(['run', 'steps.yaml'], { cwd })).stdout);
    expect(first).not.toBe(second);
    const newest = await runCli(['show'], { cwd });
    expect(newest.stdout).toContain(`Run ${second}`);
    expect((await runCli(['show', 'last', '--workflow', 'steps'], { cwd })).stdout).toContain(
      `Run ${second}`,
    );

    // A run whose model had no price: tokens, but no cost.
    const store = createSqliteStore({ path: join(cwd, '.baton', 'baton.db') });
    const usage = { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 0 };
    await store.createRun({
      id: 'run_unpriced',
      workflowName: 'routed',
      workflowHash: 'h',
      definition: { name: 'routed', steps: [{ id: 'ask', kind: 'llm', prompt: 'hi' }] },
      input: {},
      status: 'succeeded',
      createdAt: Date.now() + 10_000,
      endedAt: Date.now() + 10_100,
      usage,
      costUsd: 0,
    });
    await store.writeStep({
      runId: 'run_unpriced',
      path: 'ask',
      stepId: 'ask',
      kind: 'llm',
      status: 'succeeded',
      attempt: 1,
      model: 'acme:secret-model',
      usage,
    });
    await store.close?.();
    const shown = await runCli(['show'], { cwd });
    expect(shown.stdout).toContain('Run run_unpriced');
    expect(shown.stdout).toContain('? (unpriced)');
    expect(shown.stdout).toContain('calls to acme:secret-model have no price');
    expect(shown.stdout).not.toMatch(/· \$0$/m);
    const runs = await runCli(['runs'], { cwd });
    expect(runs.stdout).toMatch(/run_unpriced .*\? \(unpriced\)/);
  });

  it('asks through ctx.interrupt, refuses a bad answer with exit 2, and continues on a good one', async () => {
    const cwd = makeWorkspace({
      'ask.yaml': 'name: ask\nsteps:\n  - { id: setup, kind: transform, value: { function: setup } }\n',
      // The temp directory has no node_modules: the schema is anything with Zod's safeParse.
      'ask.mjs': `
const seatsSchema = {
  safeParse: (value) =>
    typeof value === 'number' && value <= 10
      ? { success: true, data: value }
      : { success: false, error: { issues: [{ path: [], message: 'at most 10 seats' }] } },
};
export const functions = {
  setup: async (_scope, ctx) => {
    const seats = await ctx.interrupt({ key: 'seats', prompt: 'How many seats?', schema: seatsSchema });
    return { seats };
  },
};
`,
    });
    const waiting = await runCli(['run', 'ask.yaml'], { cwd });
    expect(waiting.code).toBe(3);
    const runId = runIdOf(waiting.stdout);
    expect(waiting.stdout).toContain(`baton answer ${runId} setup --value`);
    const refused = await runCli(['answer', runId, 'setup', '--value', '50'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('at most 10 seats');
    expect((await runCli(['show', runId], { cwd })).stdout).toContain('waiting');
    const done = await runCli(['answer', runId, 'setup', '--value', '3', '--by', 'ana'], { cwd });
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('"seats": 3');
    const shown = await runCli(['show', runId], { cwd });
    expect(shown.stdout).toMatch(/setup · seats: How many seats\? → 3 \(by ana, /);
  });
});
