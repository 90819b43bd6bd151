import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step, WorkflowFunction } from '../../../src/core/index.js';
import { stepCacheKey } from '../../../src/core/runner/cache-key.js';
import { canonicalJson } from '../../../src/core/runner/canonical-json.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

describe('canonicalJson', () => {
  it('sorts the keys of objects at every depth and keeps the order of arrays', () => {
    expect(canonicalJson({ c: 1, a: 2, b: 3 })).toBe('{"a":2,"b":3,"c":1}');
    expect(canonicalJson([{ b: [3, { z: 1, y: 2 }], a: null }, 'x'])).toBe(
      '[{"a":null,"b":[3,{"y":2,"z":1}]},"x"]',
    );
    expect(canonicalJson({ b: 1, a: 1 })).toBe(canonicalJson({ a: 1, b: 1 }));
  });

  it('leaves out undefined members, writes undefined alone as null, and quotes keys as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson({ 'say "hi"': 'ok' })).toBe('{"say \\"hi\\"":"ok"}');
    expect(canonicalJson('text')).toBe('"text"');
    expect(canonicalJson(2.5)).toBe('2.5');
    expect(canonicalJson(null)).toBe('null');
  });
});

describe('keys built from canonical JSON', () => {
  it('answers a cached step from the cache when its input has the same keys in another order', async () => {
    let calls = 0;
    const { engine } = setup({
      tools: {
        lookup: {
          inputSchema: z.object({}).passthrough(),
          execute: (input) => {
            calls++;
            return input;
          },
        },
      },
    });
    const definition = define({
      steps: [{ id: 'find', kind: 'tool', tool: 'lookup', input: { query: '{{ input }}' }, cache: true }],
    });
    await engine.run(definition, { input: { name: 'Ada', city: 'Paris' } });
    const again = await engine.run(definition, { input: { city: 'Paris', name: 'Ada' } });
    expect(calls).toBe(1);
    expect(again.output).toEqual({ find: { query: { name: 'Ada', city: 'Paris' } } });
    await engine.run(definition, { input: { city: 'Lyon', name: 'Ada' } });
    expect(calls).toBe(2);
  });

  it('takes an agent tool call with the same arguments in another order as a repeat', async () => {
    let calls = 0;
    const model = createScriptedModel([
      { toolCalls: [{ toolName: 'find', input: { name: 'Ada', city: 'Paris' } }] },
      { toolCalls: [{ toolName: 'find', input: { city: 'Paris', name: 'Ada' } }] },
      'Done.',
    ]);
    const { engine } = setup({
      model,
      tools: {
        find: {
          inputSchema: z.object({ name: z.string(), city: z.string() }),
          execute: () => {
            calls++;
            return 'found';
          },
        },
      },
    });
    const steps: Step[] = [
      { id: 'agent', kind: 'agent', prompt: 'Find Ada', tools: ['find'], maxIterations: 5 },
    ];
    const result = await engine.run(define({ steps }));
    expect(result.status).toBe('succeeded');
    expect(calls).toBe(1);
    expect(JSON.stringify(model.calls[2]?.prompt)).toContain('You already called');
  });

  it('records no change for an approval edit that only reorders keys', async () => {
    const { engine, store } = setup();
    const steps: Step[] = [{ id: 'review', kind: 'approval', subject: { a: 1, b: { c: 2, d: 3 } } }];
    const { runId } = await engine.run(define({ steps }));
    await engine.approve(runId, 'review', { edit: { b: { d: 3, c: 2 }, a: 1 } });
    const [, decision] = await store.listSubCalls(runId, 'review');
    expect(decision?.response).toMatchObject({ diff: [] });
  });
});

describe('step cache keys', () => {
  function counted(functions: Record<string, WorkflowFunction> = {}) {
    let calls = 0;
    const tools = {
      work: {
        inputSchema: z.object({}).passthrough(),
        execute: () => {
          calls++;
          return `call ${calls}`;
        },
      },
    };
    return { setup: () => setup({ tools }), functions, count: () => calls };
  }

  it('depends on the steps a cached step reads, not on the others', async () => {
    const subject = counted();
    const { engine } = subject.setup();
    const definition = (read: string, other: string) =>
      define({
        steps: [
          { id: 'read', kind: 'transform', value: `"${read}"` },
          { id: 'other', kind: 'transform', value: `"${other}"` },
          { id: 'cached', kind: 'tool', tool: 'work', input: { text: '{{ steps.read }}' }, cache: true },
        ],
      });
    await engine.run(definition('a', 'x'));
    await engine.run(definition('a', 'y'));
    expect(subject.count()).toBe(1);
    await engine.run(definition('b', 'y'));
    expect(subject.count()).toBe(2);
  });

  it('depends on the steps named in needs when the step lists them', async () => {
    const subject = counted();
    const { engine } = subject.setup();
    const definition = (value: string) =>
      define({
        steps: [
          { id: 'first', kind: 'transform', value: `"${value}"` },
          { id: 'cached', kind: 'tool', tool: 'work', needs: ['first'], cache: true },
        ],
      });
    await engine.run(definition('a'));
    await engine.run(definition('a'));
    expect(subject.count()).toBe(1);
    await engine.run(definition('b'));
    expect(subject.count()).toBe(2);
  });

  it('depends on the source of the functions a cached step names', async () => {
    let calls = 0;
    const { engine } = setup();
    const run = (fn: WorkflowFunction) =>
      engine.run(
        define(
          { steps: [{ id: 'cached', kind: 'transform', value: { function: 'f' }, cache: true }] },
          { f: fn },
        ),
      );
    const first = await run(() => {
      calls++;
      return 'one';
    });
    const same = await run(() => {
      calls++;
      return 'one';
    });
    expect(calls).toBe(1);
    expect(same.output).toEqual(first.output);
    const changed = await run(() => {
      calls++;
      return 'two';
    });
    expect(calls).toBe(2);
    expect(changed.output).toEqual({ cached: 'two' });
  });

  it('depends on the item and index of a map', async () => {
    const subject = counted();
    const { engine } = subject.setup();
    const definition = (items: string) =>
      define({
        steps: [
          {
            id: 'each',
            kind: 'map',
            items,
            steps: [{ id: 'cached', kind: 'tool', tool: 'work', input: { n: '{{ item }}' }, cache: true }],
          },
        ],
      });
    await engine.run(definition('[1, 2]'));
    expect(subject.count()).toBe(2);
    await engine.run(definition('[1, 2]'));
    expect(subject.count()).toBe(2);
    // A new item at index 1, then item 2 at index 0 (new) and at index 1 (as before).
    await engine.run(definition('[1, 3]'));
    expect(subject.count()).toBe(3);
    await engine.run(definition('[2, 2]'));
    expect(subject.count()).toBe(4);
  });
});

describe('stepCacheKey', () => {
  it('takes in the source of each function the step names, whatever the length of its name', () => {
    const step = { id: 'cached', kind: 'transform', value: { function: 'scoreDraft' } } as Step;
    const scope = { input: {}, steps: {} };
    const key = (fn: () => number) => stepCacheKey(step, scope, { scoreDraft: fn });
    expect(key(() => 1)).toBe(key(() => 1));
    expect(key(() => 1)).not.toBe(key(() => 2));
  });
});
