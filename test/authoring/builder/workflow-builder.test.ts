import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';
import { validateWorkflow } from '../../../src/core/index.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { setup } from '../../core/fixtures.js';

const review = () =>
  workflow('review', { input: z.object({ diff: z.string() }) })
    .llm('extract', {
      prompt: ({ input }) => `List the files of: ${input.diff}`,
      output: z.object({ files: z.array(z.string()) }),
    })
    .map('checks', {
      needs: ['extract'],
      items: ({ steps }) => steps.extract.files,
      concurrency: 2,
      each: (file) => file.transform('size', { run: ({ item }) => item.length }),
      result: ({ item, steps }) => `${item}:${steps.size}`,
    })
    .loop('count', {
      maxIterations: 5,
      output: z.number(),
      body: (iteration) => iteration.transform('next', { run: ({ previous }) => (previous ?? 0) + 1 }),
      result: ({ steps }) => steps.next,
      until: ({ result }) => result >= 3,
    })
    .tool('notify', { needs: ['checks'], tool: 'notify', input: ({ steps }) => ({ lines: steps.checks }) })
    .output(({ steps }) => ({ checks: steps.checks, count: steps.count, sent: steps.notify }));

describe('workflow builder', () => {
  it('compiles to IR that validates, with dependencies from needs', () => {
    const { workflow: ir } = review().build();
    expect(validateWorkflow(ir).problems).toEqual([]);
    expect(ir.input).toMatchObject({
      type: 'object',
      properties: { diff: { type: 'string' } },
      required: ['diff'],
    });
    expect(ir.steps.map((step) => [step.id, step.kind, step.needs])).toEqual([
      ['extract', 'llm', undefined],
      ['checks', 'map', ['extract']],
      ['count', 'loop', undefined],
      ['notify', 'tool', ['checks']],
    ]);
    expect(JSON.parse(JSON.stringify(ir))).toEqual(ir);
  });

  it('runs with the functions it registered', async () => {
    const model = createScriptedModel([{ object: { files: ['a.ts', 'bb.ts'] } }]);
    const sent: unknown[] = [];
    const { engine } = setup({
      model,
      tools: {
        notify: {
          inputSchema: z.object({ lines: z.array(z.string()) }),
          execute: (input) => {
            sent.push(input);
            return 'ok';
          },
        },
      },
    });
    const result = await engine.run(review().build(), { input: { diff: '+a.ts +bb.ts' } });
    expect(result.output).toEqual({ checks: ['a.ts:4', 'bb.ts:5'], count: 3, sent: 'ok' });
    expect(sent).toEqual([{ lines: ['a.ts:4', 'bb.ts:5'] }]);
    expect(JSON.stringify(model.calls[0]?.prompt)).toContain('List the files of: +a.ts +bb.ts');
  });
});
