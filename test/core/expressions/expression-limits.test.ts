import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../../src/core/index.js';
import { define, setup } from '../fixtures.js';

const endless = '($f := function($x){ $f($x+1) }; $f(0))';
const deep = '($f := function($x){ $x > 100000 ? 0 : 1 + $f($x+1) }; $f(0))';

describe('expression limits', () => {
  it('stops an endless recursion at the time limit, naming the step and the limit', async () => {
    const { engine } = setup({ expressionLimits: { timeoutMs: 100 } });
    const result = await engine.run(define({ steps: [{ id: 'spin', kind: 'transform', value: endless }] }));
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({
      code: 'EXPRESSION_FAILED',
      stepPath: 'spin',
      details: { limit: 'timeoutMs', value: 100 },
    });
    expect(result.error?.message).toContain('step "spin"');
  });

  it('stops a deep recursion at the depth limit instead of exhausting the heap', async () => {
    const { engine } = setup();
    const result = await engine.run(define({ steps: [{ id: 'deep', kind: 'transform', value: deep }] }));
    expect(result.error).toMatchObject({
      code: 'EXPRESSION_FAILED',
      stepPath: 'deep',
      details: { limit: 'maxDepth', value: 500 },
    });
  });

  it('lets a recursion within the limits finish', async () => {
    const value = '($f := function($x){ $x >= 20 ? $x : $f($x+1) }; $f(0))';
    await expect(evaluateExpression(value, {})).resolves.toBe(20);
  });

  it('lets the step timeout win over a running expression', async () => {
    const { engine } = setup({ expressionLimits: { timeoutMs: 60_000 } });
    const result = await engine.run(
      define({ steps: [{ id: 'spin', kind: 'transform', value: endless, timeout: '100ms' }] }),
    );
    expect(result.error).toMatchObject({ code: 'STEP_TIMEOUT', stepPath: 'spin' });
  });

  it('lets a cancel win over a running expression', async () => {
    const { engine, store } = setup({ expressionLimits: { timeoutMs: 60_000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await engine.run(define({ steps: [{ id: 'spin', kind: 'transform', value: endless }] }), {
      signal: controller.signal,
    });
    expect(result.status).toBe('cancelled');
    expect((await store.getRun(result.runId))?.status).toBe('cancelled');
  });

  it('matches a catastrophic regex in linear time', async () => {
    const text = `${'a'.repeat(30)}!`;
    await expect(evaluateExpression('$match(s, /^(a+)+$/)', { s: text })).resolves.toBeUndefined();
    await expect(evaluateExpression('$contains(s, /(a|aa)+$/)', { s: text })).resolves.toBe(false);
  });

  it('keeps what JSONata regexes do: groups, flags, replace and split', async () => {
    const scope = { s: 'Alpha beta GAMMA' };
    await expect(evaluateExpression('$match(s, /(\\w)(\\w+)/).groups', scope)).resolves.toEqual([
      'A',
      'lpha',
      'b',
      'eta',
      'G',
      'AMMA',
    ]);
    await expect(evaluateExpression('$replace(s, /a/i, "_")', scope)).resolves.toBe('_lph_ bet_ G_MM_');
    await expect(evaluateExpression('$split(s, /\\s+/)', scope)).resolves.toEqual(['Alpha', 'beta', 'GAMMA']);
    await expect(evaluateExpression('$match(s, /^x$/m)', { s: 'a\nx\nb' })).resolves.toMatchObject({
      match: 'x',
      index: 2,
    });
  });

  it('refuses a regex the linear engine cannot run when the expression is parsed', async () => {
    await expect(evaluateExpression('$match(s, /(a)\\1/)', { s: 'aa' })).rejects.toMatchObject({
      code: 'EXPRESSION_FAILED',
      message: expect.stringContaining('not supported'),
    });
  });

  it('resolves $call only to registered functions, never to Object.prototype', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({ steps: [{ id: 'probe', kind: 'transform', value: '$call("constructor")' }] }, {}),
    );
    expect(result.status).toBe('failed');
    expect(result.error?.message).toContain('Function "constructor" is not registered');
  });
});
