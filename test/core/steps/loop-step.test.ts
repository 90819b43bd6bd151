import { describe, expect, it } from 'vitest';
import { define, setup } from '../fixtures.js';

describe('loop step', () => {
  it('repeats until the condition holds, with iteration and previous in scope', async () => {
    const { engine, ofType } = setup();
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'refine',
            kind: 'loop',
            maxIterations: 10,
            until: 'result.score >= 3',
            steps: [
              {
                id: 'draft',
                kind: 'transform',
                value: '{"score": $exists(previous) ? previous.score + 1 : 1, "at": iteration}',
              },
            ],
          },
        ],
      }),
    );
    expect(result.output).toEqual({ refine: { score: 3, at: 3 } });
    expect(ofType('step-end').map((event) => event.path)).toEqual([
      'refine#1/draft',
      'refine#2/draft',
      'refine#3/draft',
      'refine',
    ]);
  });

  it('stops at maxIterations with LOOP_LIMIT_REACHED keeping the last result', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'spin',
            kind: 'loop',
            maxIterations: 3,
            until: 'false',
            steps: [{ id: 'n', kind: 'transform', value: 'iteration' }],
          },
        ],
      }),
    );
    expect(result.error).toMatchObject({
      code: 'LOOP_LIMIT_REACHED',
      stepPath: 'spin',
      details: { maxIterations: 3, result: 3 },
    });
  });

  it('detects a loop whose result stops changing', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'stuck',
            kind: 'loop',
            maxIterations: 50,
            until: 'false',
            steps: [{ id: 'same', kind: 'transform', value: '{"state": "unchanged"}' }],
          },
        ],
      }),
    );
    expect(result.error).toMatchObject({ code: 'LOOP_STUCK', details: { iteration: 2 } });
  });

  it('ends quietly on a stuck result when onStuck is end', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'settle',
            kind: 'loop',
            maxIterations: 50,
            until: 'false',
            onStuck: 'end',
            steps: [{ id: 'v', kind: 'transform', value: '$min([iteration, 2])' }],
          },
        ],
      }),
    );
    expect(result.output).toEqual({ settle: 2 });
  });
});
