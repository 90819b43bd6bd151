import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from './cli-harness.js';

const invalid = `name: review
steps:
  - id: draft
    kind: llm
    promt: "Write about {{ input.topic }}"
  - id: count
    kind: loop
    steps:
      - id: inner
        kind: transform
        value: "1"
    until: "true"
  - id: route
    kind: lm
`;

describe('baton validate', () => {
  it('lists every problem at once with file:line:column and the step id, and exits 2', async () => {
    const cwd = makeWorkspace({ 'review.yaml': invalid });
    const result = await runCli(['validate', 'review.yaml'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('review.yaml has 4 problems:');
    expect(result.stderr).toContain('review.yaml:3:5: [draft] Missing required field "prompt".');
    expect(result.stderr).toContain('review.yaml:5:5: [draft] Unrecognized key: "promt"');
    expect(result.stderr).toContain('review.yaml:6:5: [count] A loop needs maxIterations');
    expect(result.stderr).toMatch(/review\.yaml:14:11: \[route\] .*discriminator/);
    expect(result.stderr).toContain(
      '`baton validate review.yaml` checks the file again. See docs/errors.md#workflow-invalid',
    );
  });

  it('reports semantic problems (unknown needs, bad expressions) with their places', async () => {
    const cwd = makeWorkspace({
      'flow.yaml': `name: flow
steps:
  - id: first
    kind: transform
    value: "1 +"
  - id: second
    kind: transform
    needs: [nowhere]
    value: "2"
`,
    });
    const result = await runCli(['validate', 'flow.yaml', '--json'], { cwd });
    expect(result.code).toBe(2);
    const document = JSON.parse(result.stdout) as {
      valid: boolean;
      problems: Array<{ location: { line: number; column: number }; stepId: string; message: string }>;
    };
    expect(document.valid).toBe(false);
    expect(document.problems).toEqual([
      expect.objectContaining({ location: { file: 'flow.yaml', line: 5, column: 12 }, stepId: 'first' }),
      expect.objectContaining({
        location: { file: 'flow.yaml', line: 8, column: 13 },
        stepId: 'second',
        message: 'Unknown step "nowhere" in needs of "second".',
      }),
    ]);
  });

  it('points a YAML syntax error at its line and column', async () => {
    const cwd = makeWorkspace({ 'broken.yaml': 'name: broken\nsteps:\n  - id: a\n    kind: [transform\n' });
    const result = await runCli(['validate', 'broken.yaml'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.yaml:\d+:\d+: YAML syntax: /);
  });

  it('accepts a valid JSON workflow and names its module', async () => {
    const cwd = makeWorkspace({
      'flow.json': JSON.stringify({
        $schema: './workflow.schema.json',
        name: 'flow',
        module: './flow.ts',
        steps: [{ id: 'a', kind: 'transform', value: { function: 'shout' } }],
      }),
      'flow.ts': 'export const functions = { shout: () => "HI" };\n',
    });
    const result = await runCli(['validate', 'flow.json'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('✓ flow.json is valid: workflow "flow", 1 step(s), module flow.ts');
  });

  it('warns about tools the workflow module does not export', async () => {
    const cwd = makeWorkspace({
      'flow.yaml': 'name: flow\nsteps:\n  - id: a\n    kind: tool\n    tool: search\n',
    });
    const result = await runCli(['validate', 'flow.yaml', '--json'], { cwd });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      warnings: ['tool "search" is not exported by the workflow module; register it before running'],
    });
  });
});

describe('baton validate on hostile files', () => {
  it('reports an alias bomb as WORKFLOW_INVALID in --json, exit 2, no stack trace', async () => {
    const level = (name: string, of: string) => `${name}: &${name} [${Array(9).fill(`*${of}`).join(',')}]`;
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      level('b', 'a'),
      level('c', 'b'),
      level('d', 'c'),
      level('e', 'd'),
    ];
    const cwd = makeWorkspace({ 'bomb.yaml': `${bomb.join('\n')}\nname: x\nsteps: []\n` });
    const result = await runCli(['validate', 'bomb.yaml', '--json'], { cwd });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      problems: [{ location: { line: 2 }, message: expect.stringContaining('alias') }],
    });
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('lists a module that fails to import, with its reason, in --json', async () => {
    const cwd = makeWorkspace({
      'flow.yaml': 'name: flow\nmodule: ./flow.mjs\nsteps:\n  - id: a\n    kind: transform\n    value: "1"\n',
      'flow.mjs': "throw new Error('broken at load');\n",
    });
    const result = await runCli(['validate', 'flow.yaml', '--json'], { cwd });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      problems: [{ message: expect.stringContaining('cannot be imported: broken at load') }],
    });
  });
});
