import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/core/index.js';
import { define, setup } from '../fixtures.js';

const fail = (id: string, route: string): Step => ({
  id,
  kind: 'transform',
  value: { function: 'boom' },
  onError: { route },
});
const functions = {
  boom: () => {
    throw new Error('broke');
  },
};

async function notes(steps: Step[], input: unknown = {}) {
  const { engine, store } = setup();
  const result = await engine.run(define({ steps }, functions), { input });
  const records = await store.listSteps(result.runId);
  const note = (path: string) => records.find((record) => record.path === path);
  return { result, note };
}

describe('error routes', () => {
  it('runs a handler when any one of the steps routed to it failed', async () => {
    const { result, note } = await notes([
      fail('first', 'handler'),
      { id: 'second', kind: 'transform', value: '"fine"', onError: { route: 'handler' } },
      { id: 'handler', kind: 'transform', value: '"handled " & error.message' },
    ]);
    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({ second: 'fine' });
    expect((result.output as { handler: string }).handler).toContain('broke');
    expect(note('handler')?.status).toBe('succeeded');
  });

  it('skips a handler when nothing failed, saying why', async () => {
    const { result, note } = await notes([
      { id: 'work', kind: 'transform', value: '"fine"', onError: { route: 'handler' } },
      { id: 'handler', kind: 'transform', value: '"handled"' },
    ]);
    expect(result.output).toEqual({ work: 'fine' });
    expect(note('handler')).toMatchObject({ status: 'skipped', note: 'no failure was routed to "handler"' });
  });

  it('skips what depends on a routed step, saying it failed, unless it joins any', async () => {
    const { result, note } = await notes([
      fail('work', 'handler'),
      { id: 'handler', kind: 'transform', value: '"handled"' },
      { id: 'after', kind: 'transform', value: '"after"', needs: ['work'] },
      { id: 'either', kind: 'transform', value: '"either"', needs: ['work', 'handler'], join: 'any' },
      { id: 'neither', kind: 'transform', value: '"neither"', needs: ['work', 'after'], join: 'any' },
    ]);
    expect(result.status).toBe('succeeded');
    expect(note('after')).toMatchObject({ status: 'skipped', note: 'dependency "work" was failed' });
    expect(note('either')).toMatchObject({ status: 'succeeded', output: 'either' });
    expect(note('neither')).toMatchObject({ status: 'skipped', note: 'no dependency succeeded' });
  });
});

describe('branch routes', () => {
  const branch: Step = {
    id: 'route',
    kind: 'branch',
    routes: {
      small: { when: 'input.n < 10', steps: ['shared', 'smallOnly'] },
      large: { when: 'input.n >= 10', steps: ['shared'] },
    },
  };
  const steps: Step[] = [
    branch,
    { id: 'shared', kind: 'transform', value: '"shared"' },
    { id: 'smallOnly', kind: 'transform', value: '"small"' },
    { id: 'after', kind: 'transform', value: '"after"', needs: ['smallOnly'] },
  ];

  it('runs a step two routes name for either route', async () => {
    const small = await notes(steps, { n: 1 });
    expect(small.result.output).toMatchObject({ shared: 'shared', smallOnly: 'small', after: 'after' });
    const large = await notes(steps, { n: 50 });
    expect(large.result.output).toMatchObject({ shared: 'shared' });
    expect(large.note('smallOnly')).toMatchObject({
      status: 'skipped',
      note: 'branch "route" took route "large"',
    });
    expect(large.note('after')).toMatchObject({
      status: 'skipped',
      note: 'dependency "smallOnly" was skipped',
    });
  });

  it('skips every routed step when no route holds and there is no default', async () => {
    const none = await notes(
      [
        { id: 'route', kind: 'branch', routes: { only: { when: 'false', steps: ['target'] } } },
        { id: 'target', kind: 'transform', value: '"ran"' },
      ],
      {},
    );
    expect(none.result.status).toBe('failed');
    expect(none.note('target')?.status).not.toBe('succeeded');
    expect(none.result.output).toBeUndefined();
  });
});

describe('nested scopes', () => {
  it('lets the steps inside a map and a loop read the run input and the steps before them', async () => {
    const { result } = await notes(
      [
        { id: 'prefix', kind: 'transform', value: '"n="' },
        {
          id: 'each',
          kind: 'map',
          items: 'input.items',
          steps: [{ id: 'label', kind: 'transform', value: 'steps.prefix & $string(item) & input.suffix' }],
        },
        {
          id: 'again',
          kind: 'loop',
          maxIterations: 2,
          until: 'iteration >= 1',
          steps: [
            { id: 'count', kind: 'transform', value: 'steps.prefix & $string(iteration) & input.suffix' },
          ],
        },
      ],
      { items: [1, 2], suffix: '!' },
    );
    expect(result.output).toMatchObject({ each: ['n=1!', 'n=2!'], again: 'n=1!' });
  });
});
