import { describe, expect, it } from 'vitest';
import { define, setup } from '../fixtures.js';

describe('map step', () => {
  it('runs its steps per item and returns the results in input order', async () => {
    const { engine, ofType } = setup();
    const result = await engine.run(
      define(
        {
          steps: [
            { id: 'files', kind: 'transform', value: '["a.ts", "bb.ts", "ccc.ts"]' },
            {
              id: 'review',
              kind: 'map',
              items: 'steps.files',
              steps: [
                { id: 'wait', kind: 'transform', value: { function: 'wait' } },
                {
                  id: 'check',
                  kind: 'transform',
                  value: '{"file": item, "index": index, "size": steps.wait}',
                },
              ],
            },
          ],
        },
        // The first item finishes last, so order comes from the input, not from completion.
        {
          wait: ({ item }: { item: string }) =>
            new Promise((resolve) => setTimeout(() => resolve(item.length), 30 - item.length * 8)),
        },
      ),
    );
    expect(result.output).toMatchObject({
      review: [
        { file: 'a.ts', index: 0, size: 4 },
        { file: 'bb.ts', index: 1, size: 5 },
        { file: 'ccc.ts', index: 2, size: 6 },
      ],
    });
    expect(ofType('step-end').map((event) => event.path)).toContain('review[2]/check');
  });

  it('holds items to its concurrency limit', async () => {
    let active = 0;
    let peak = 0;
    const { engine } = setup();
    await engine.run(
      define(
        {
          steps: [
            {
              id: 'each',
              kind: 'map',
              items: '[1,2,3,4,5,6]',
              concurrency: 2,
              steps: [{ id: 'work', kind: 'transform', value: { function: 'work' } }],
            },
          ],
        },
        {
          work: async () => {
            active++;
            peak = Math.max(peak, active);
            await new Promise((resolve) => setTimeout(resolve, 5));
            active--;
            return 1;
          },
        },
      ),
    );
    expect(peak).toBe(2);
  });

  it('uses the result expression over the item scope', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'each',
            kind: 'map',
            items: '[1,2]',
            steps: [{ id: 'sq', kind: 'transform', value: 'item * item' }],
            result: '{"n": item, "square": steps.sq}',
          },
        ],
      }),
    );
    expect(result.output).toEqual({
      each: [
        { n: 1, square: 1 },
        { n: 2, square: 4 },
      ],
    });
  });

  it('continues past a failed item with the value of onItemError', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define(
        {
          steps: [
            {
              id: 'each',
              kind: 'map',
              items: '[1,2,3]',
              onItemError: { continue: null },
              steps: [{ id: 'work', kind: 'transform', value: { function: 'work' } }],
            },
          ],
        },
        {
          work: ({ item }: { item: number }) => {
            if (item === 2) throw new Error('two');
            return item * 10;
          },
        },
      ),
    );
    expect(result.output).toEqual({ each: [10, null, 30] });
  });

  it('fails the map on a failed item by default, naming the item path', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define(
        {
          steps: [
            {
              id: 'each',
              kind: 'map',
              items: '[1,2,3]',
              steps: [{ id: 'work', kind: 'transform', value: { function: 'work' } }],
            },
          ],
        },
        {
          work: ({ item }: { item: number }) => {
            if (item === 2) throw new Error('two');
            return item;
          },
        },
      ),
    );
    expect(result.error).toMatchObject({ stepPath: 'each[1]/work' });
  });

  it('fails clearly when items is not a list', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'each',
            kind: 'map',
            items: '"nope"',
            steps: [{ id: 'w', kind: 'transform', value: 'item' }],
          },
        ],
      }),
    );
    expect(result.error?.message).toBe(
      'Items of map "each" must be a list, but the expression gave a string.',
    );
  });
});
