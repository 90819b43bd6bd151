import { describe, expect, it } from 'vitest';
import { define, setup } from '../fixtures.js';

const person = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'number' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['name'],
};

describe('schemas of run input and step output', () => {
  it('refuses run input that does not match, naming each issue and the hint for input', async () => {
    const { engine } = setup();
    const definition = define({
      input: person,
      steps: [{ id: 'echo', kind: 'transform', value: 'input.name' }],
    });
    const error = await engine
      .run(definition, { input: { age: 'old', tags: [1] } })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      code: 'INPUT_INVALID',
      hint: 'Pass the missing or wrong fields with --input name=value or an input file.',
      details: { value: { age: 'old', tags: [1] } },
    });
    const { details, message, stepPath } = error as {
      details: { issues: Array<{ path: string }> };
      message: string;
      stepPath?: string;
    };
    expect(details.issues.map((issue) => issue.path).sort()).toEqual(['age', 'name', 'tags.0']);
    expect(message).toMatch(/^Run input does not match its schema: /);
    expect(message).toContain('tags.0: ');
    expect(stepPath).toBeUndefined();
  });

  it('passes valid input on as parsed', async () => {
    const { engine } = setup();
    const definition = define({
      input: person,
      steps: [{ id: 'echo', kind: 'transform', value: 'input.name' }],
    });
    const result = await engine.run(definition, { input: { name: 'Ada' } });
    expect(result.output).toEqual({ echo: 'Ada' });
  });

  it('names the step and the root when a step output of the wrong type fails its schema', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({ steps: [{ id: 'make', kind: 'transform', value: '42', output: person }] }),
    );
    expect(result.error).toMatchObject({
      code: 'OUTPUT_INVALID',
      stepPath: 'make',
      hint: "Fix the step so its output fits the schema, or widen the step's output schema.",
      details: { value: 42, issues: [{ path: '(root)' }] },
    });
    expect(result.error?.message).toMatch(/^Output of step "make" does not match its schema: \(root\): /);
  });

  it('checks each use of one schema object the same way', async () => {
    const { engine } = setup();
    const schema = { type: 'number' };
    const steps = [
      { id: 'a', kind: 'transform' as const, value: '1', output: schema },
      { id: 'b', kind: 'transform' as const, value: '"x"', output: schema },
    ];
    const result = await engine.run(define({ steps }));
    expect(result.error).toMatchObject({ code: 'OUTPUT_INVALID', stepPath: 'b' });
  });
});

describe('runs that are not there', () => {
  it('says how to find the right run', async () => {
    const { engine } = setup();
    await expect(engine.resume('run_missing')).rejects.toMatchObject({
      code: 'RUN_NOT_FOUND',
      message: 'No run with id "run_missing" in this store.',
      hint: 'List runs with `baton runs`; check that you point at the same .baton directory or database.',
    });
  });
});
