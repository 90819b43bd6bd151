import { describe, expect, it } from 'vitest';
import { define, setup } from '../fixtures.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = { a: value };
  return value;
}

const echo = define({ steps: [{ id: 'a', kind: 'transform', value: 'input' }] });

describe('input limits', () => {
  it('refuses a 100k-deep input with INPUT_INVALID and journals nothing', async () => {
    const { engine, store } = setup();
    await expect(engine.run(echo, { input: { deep: nested(100_000) } })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      details: { limit: 'maxDepth', value: 100 },
    });
    expect(await store.listRuns({})).toEqual([]);
  });

  it('refuses an input larger than the configured size', async () => {
    const { engine, store } = setup({ inputLimits: { maxBytes: 1000 } });
    await expect(engine.run(echo, { input: { text: 'x'.repeat(2000) } })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      details: { limit: 'maxBytes', value: 1000 },
    });
    expect(await store.listRuns({})).toEqual([]);
  });

  it('refuses an input that contains itself', async () => {
    const { engine } = setup();
    const input: Record<string, unknown> = {};
    input.self = input;
    await expect(engine.run(echo, { input })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('runs an input within the limits', async () => {
    const { engine } = setup({ inputLimits: { maxDepth: 5 } });
    const result = await engine.run(echo, { input: { deep: nested(3) } });
    expect(result.output).toEqual({ a: { deep: nested(3) } });
  });

  it('counts objects and arrays toward the depth, not the null or plain values at the deepest level', async () => {
    const { engine } = setup({ inputLimits: { maxDepth: 2 } });
    const input = { a: { b: null, c: 'x' }, d: [1] };
    expect((await engine.run(echo, { input })).output).toEqual({ a: input });
    await expect(engine.run(echo, { input: { a: { b: {} } } })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      details: { limit: 'maxDepth', value: 2 },
    });
  });

  it('runs an input of exactly the size limit', async () => {
    // `[[]]`: four bytes of JSON, two arrays of at least two bytes each.
    const { engine } = setup({ inputLimits: { maxBytes: 4 } });
    expect((await engine.run(echo, { input: [[]] })).output).toEqual({ a: [[]] });
    const { engine: smaller } = setup({ inputLimits: { maxBytes: 3 } });
    await expect(smaller.run(echo, { input: [[]] })).rejects.toMatchObject({
      details: { limit: 'maxBytes' },
    });
  });
});
