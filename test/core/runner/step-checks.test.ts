import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';
import { validateWorkflow } from '../../../src/core/index.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const promptsOf = (model: ReturnType<typeof createScriptedModel>) =>
  model.calls.map((call) => JSON.stringify(call.prompt));

describe('missing inputs', () => {
  it('fails a step whose reference yields nothing with MISSING_INPUT naming the reference', async () => {
    const model = createScriptedModel(['never asked']);
    const { engine, store } = setup({ model });
    const result = await engine.run(
      define({
        steps: [
          { id: 'extract', kind: 'transform', value: '{ "files": ["a.ts"] }' },
          {
            id: 'review',
            kind: 'llm',
            prompt: 'Summary: {{ steps.extract.summary }} / diff: {{ input.diff }}',
          },
        ],
      }),
      { input: {} },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({
      code: 'MISSING_INPUT',
      stepPath: 'review',
      details: { reference: 'steps.extract.summary' },
    });
    expect(model.calls).toHaveLength(0);
    // The failed step keeps what it read, so the error shows the context it saw.
    const review = (await store.listSteps(result.runId)).find((step) => step.path === 'review');
    expect(review?.input).toMatchObject({
      reads: { 'steps.extract': { files: ['a.ts'] }, 'steps.extract.summary': undefined },
    });
    expect(result.error?.details?.input).toMatchObject({ reads: { 'steps.extract': { files: ['a.ts'] } } });
  });

  it('accepts a default in the template, or a step that opts out', async () => {
    const model = createScriptedModel(['ok']);
    const { engine } = setup({ model });
    const result = await engine.run(
      define({
        steps: [
          { id: 'a', kind: 'llm', prompt: 'Summary: {{ input.summary ?: "none" }}' },
          { id: 'b', kind: 'llm', prompt: '{{ $exists(input.x) ? input.x : "no x" }}', needs: ['a'] },
          { id: 'c', kind: 'llm', prompt: 'diff: {{ input.diff }}.', allowMissing: true, needs: ['b'] },
        ],
      }),
    );
    expect(result.status).toBe('succeeded');
    expect(promptsOf(model).join('\n')).toContain('Summary: none');
    expect(promptsOf(model).join('\n')).toContain('no x');
    expect(promptsOf(model).join('\n')).toContain('diff: .');
  });
});

describe('validateWorkflow and output fields', () => {
  it('flags a read of a field the output schema does not declare, and warns on an optional one', () => {
    const output = {
      type: 'object',
      properties: { files: { type: 'array' }, summary: { type: 'string' } },
      required: ['files'],
    };
    const { problems, warnings } = validateWorkflow({
      name: 'fields',
      steps: [
        { id: 'extract', kind: 'llm', prompt: 'x', output },
        { id: 'review', kind: 'llm', prompt: '{{ steps.extract.functions }} {{ steps.extract.files }}' },
        { id: 'sum', kind: 'llm', prompt: '{{ steps.extract.summary }}' },
      ],
    });
    expect(problems).toEqual([
      expect.objectContaining({
        path: ['steps', 1, 'prompt'],
        message: expect.stringContaining('has no field "functions" (it has: files, summary)'),
      }),
    ]);
    expect(warnings).toEqual([
      expect.objectContaining({ path: ['steps', 2, 'prompt'], message: expect.stringContaining('optional') }),
    ]);
  });
});

describe('validate', () => {
  it('fails a transform whose validate expression gives a message with OUTPUT_INVALID, routable by onError', async () => {
    const { engine } = setup();
    const steps = [
      {
        id: 'score',
        kind: 'transform' as const,
        value: '{ "total": 500 }',
        validate: 'output.total <= 100 ? true : "total must be at most 100, got " & output.total',
      },
    ];
    const failed = await engine.run(define({ steps }));
    expect(failed.error).toMatchObject({
      code: 'OUTPUT_INVALID',
      stepPath: 'score',
      message: 'Output of step "score" failed its validation: total must be at most 100, got 500',
      hint: 'Fix the step so its output passes `validate`, or route the failure with `onError`.',
      details: {
        issues: [{ path: '(root)', message: 'total must be at most 100, got 500' }],
        value: { total: 500 },
      },
    });

    const routed = await engine.run(
      define({
        steps: [
          { ...steps[0], onError: { route: 'fallback' } } as (typeof steps)[0],
          { id: 'fallback', kind: 'transform', value: '"capped"' },
        ],
      }),
    );
    expect(routed.status).toBe('succeeded');
    expect(routed.output).toMatchObject({ fallback: 'capped' });
  });

  it('waits for the steps a validate expression reads', async () => {
    const { engine } = setup();
    const steps = (limit: number) => [
      { id: 'draft', kind: 'transform' as const, value: '"abc"', validate: '$length(output) <= steps.limit' },
      // The limit comes at the end of a chain, later than the draft would without the dependency.
      { id: 'a', kind: 'transform' as const, value: String(limit) },
      { id: 'b', kind: 'transform' as const, value: 'steps.a' },
      { id: 'c', kind: 'transform' as const, value: 'steps.b' },
      { id: 'limit', kind: 'transform' as const, value: 'steps.c' },
    ];
    // Without the dependency `steps.limit` would be nothing yet, and the check would fail.
    expect((await engine.run(define({ steps: steps(5) }))).status).toBe('succeeded');
    const failed = await engine.run(define({ steps: steps(2) }));
    expect(failed.error).toMatchObject({ code: 'OUTPUT_INVALID', stepPath: 'draft' });
  });

  it('sends a YAML validate message back to the model as a repair', async () => {
    const model = createScriptedModel(['Short.', 'A title that is long enough']);
    const { engine } = setup({ model });
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'title',
            kind: 'llm',
            prompt: 'Write a title',
            validate: '$length(output) >= 10 ? true : "the title needs at least 10 characters"',
          },
        ],
      }),
    );
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ title: 'A title that is long enough' });
    expect(promptsOf(model)[1]).toContain('the title needs at least 10 characters');
  });

  it("sends a Zod refinement's message back to the model as a repair", async () => {
    const model = createScriptedModel([{ object: { total: 500 } }, { object: { total: 90 } }]);
    const { engine } = setup({ model });
    const definition = workflow('refined')
      .llm('score', {
        prompt: 'Score it',
        output: z
          .object({ total: z.number() })
          .refine((value) => value.total <= 100, 'total must be at most 100'),
      })
      .build();
    const result = await engine.run(definition);
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ score: { total: 90 } });
    expect(promptsOf(model)[1]).toContain('total must be at most 100');
  });

  it('runs a TypeScript validate and a Zod transform on a transform step', async () => {
    const { engine } = setup();
    const definition = workflow('typed')
      .transform('words', {
        run: () => ['a', 'b'],
        validate: (output: string[]) => output.length >= 3 || `needs 3 words, got ${output.length}`,
      })
      .build();
    const result = await engine.run(definition);
    expect(result.error).toMatchObject({
      code: 'OUTPUT_INVALID',
      message: expect.stringContaining('needs 3 words, got 2'),
    });

    const counted = workflow('transformed')
      .tool('count', {
        tool: 'echo',
        input: { text: 'abc' },
        output: z.object({ text: z.string().transform((text) => text.length) }),
      })
      .build();
    const { engine: withTool } = setup({
      tools: { echo: { inputSchema: z.object({ text: z.string() }), execute: (input: unknown) => input } },
    });
    expect((await withTool.run(counted)).output).toEqual({ count: { text: 3 } });
  });

  it('refuses an approval edit that breaks a refinement', async () => {
    const { engine } = setup();
    const definition = workflow('plan')
      .approval('review', {
        subject: () => ({ total: 10 }),
        output: z
          .object({ total: z.number() })
          .refine((value) => value.total <= 100, 'total must be at most 100'),
      })
      .build();
    const waiting = await engine.run(definition);
    expect(waiting.status).toBe('waiting');
    await expect(
      engine.approve(waiting.runId, 'review', { edit: { total: 500 } }, { definition }),
    ).rejects.toMatchObject({ code: 'OUTPUT_INVALID', message: expect.stringContaining('at most 100') });
    const approved = await engine.approve(waiting.runId, 'review', { edit: { total: 50 } }, { definition });
    expect(approved.output).toEqual({ review: { total: 50 } });
  });

  it('reports at build() a schema that cannot be shown to a model', () => {
    expect(() =>
      workflow('dated')
        .llm('when', { prompt: 'When?', output: z.object({ at: z.date() }) })
        .build(),
    ).toThrow(/when\.output: Date cannot be represented/);
  });
});
