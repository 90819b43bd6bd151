import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatonError } from '../../../src/core/index.js';
import { resolveRetryPolicy, retryDelay, shouldRetry } from '../../../src/core/runner/retry-policy.js';
import { createScriptedModel, waitFor } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const retryable = new BatonError('MODEL_CALL_FAILED', 'flaky', { retryable: true });
const permanent = new BatonError('MODEL_CALL_FAILED', 'bad request', { retryable: false });

describe('retry policy', () => {
  it('makes one attempt unless a step or the workflow asks for more', () => {
    expect(resolveRetryPolicy(undefined, undefined).maxAttempts).toBe(1);
    expect(resolveRetryPolicy(undefined, { maxAttempts: 4 }).maxAttempts).toBe(4);
    expect(resolveRetryPolicy({ maxAttempts: 2 }, { maxAttempts: 4, maxDelayMs: 5 })).toMatchObject({
      maxAttempts: 2,
      maxDelayMs: 5,
    });
    // A field the step leaves undefined keeps the workflow's value.
    const merged = resolveRetryPolicy(
      { maxAttempts: 2, maxDelayMs: undefined },
      { maxAttempts: 4, maxDelayMs: 5 },
    );
    expect(merged.maxDelayMs).toBe(5);
  });

  it('never retries a step stopped by its budget, even when told to retry all', () => {
    const policy = resolveRetryPolicy({ maxAttempts: 3, retryOn: 'all' }, undefined);
    const budget = new BatonError('BUDGET_EXCEEDED', 'over', { retryable: false });
    expect(shouldRetry(policy, 1, budget)).toBe(false);
  });

  it('retries only retryable errors unless told to retry all', () => {
    const policy = resolveRetryPolicy({ maxAttempts: 3 }, undefined);
    expect(shouldRetry(policy, 1, retryable)).toBe(true);
    expect(shouldRetry(policy, 3, retryable)).toBe(false);
    expect(shouldRetry(policy, 1, permanent)).toBe(false);
    expect(shouldRetry({ ...policy, retryOn: 'all' }, 1, permanent)).toBe(true);
  });

  it('draws a full-jitter delay under an exponential ceiling capped at maxDelayMs', () => {
    const policy = resolveRetryPolicy(
      { maxAttempts: 9, initialDelayMs: 100, factor: 2, maxDelayMs: 500 },
      undefined,
    );
    expect(retryDelay(policy, 1, retryable, () => 0.999)).toBe(99);
    expect(retryDelay(policy, 3, retryable, () => 0.5)).toBe(200);
    expect(retryDelay(policy, 8, retryable, () => 0.999)).toBe(499);
    expect(retryDelay(policy, 2, retryable, () => 0)).toBe(0);
  });

  it('waits what the server asked for with Retry-After', () => {
    const policy = resolveRetryPolicy({ maxAttempts: 3 }, undefined);
    const limited = new BatonError('RATE_LIMITED', 'slow down', { retryable: true, retryAfterMs: 7000 });
    expect(retryDelay(policy, 1, limited, () => 0)).toBe(7000);
  });

  it('never waits a Retry-After longer than maxDelayMs', () => {
    const policy = resolveRetryPolicy({ maxAttempts: 3, maxDelayMs: 10_000 }, undefined);
    const parked = new BatonError('RATE_LIMITED', 'come back tomorrow', {
      retryable: true,
      retryAfterMs: 86_400_000,
    });
    expect(retryDelay(policy, 1, parked, () => 0.5)).toBe(10_000);
  });
});

describe('step retries', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries a 429 after its Retry-After and then succeeds', async () => {
    const model = createScriptedModel([{ error: { status: 429, retryAfterSeconds: 2 } }, 'answer']);
    // No jitter: the wait is the Retry-After itself.
    const { engine, ofType } = setup({ model, random: () => 0 });
    const retrying = waitFor(engine, { type: 'attempt-retry' });
    const run = engine.run(
      define({ steps: [{ id: 'ask', kind: 'llm', prompt: 'hi', retry: { maxAttempts: 3 } }] }),
    );
    // The first call loads the AI SDK, which takes real time, not timer time.
    await retrying;
    await vi.advanceTimersByTimeAsync(1999);
    expect(ofType('step-start')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const result = await run;
    expect(result.output).toEqual({ ask: 'answer' });
    expect(ofType('attempt-retry')).toMatchObject([{ path: 'ask', attempt: 2, delayMs: 2000 }]);
    expect(ofType('step-error')).toMatchObject([{ final: false, error: { code: 'RATE_LIMITED' } }]);
    expect(ofType('step-end')).toMatchObject([{ attempt: 2, status: 'succeeded' }]);
  });

  it('backs off with growing delays and gives up after maxAttempts', async () => {
    const model = createScriptedModel([{ error: { status: 503 } }]);
    const { engine, ofType, store } = setup({ model, random: () => 0.999 });
    const run = engine.run(
      define({
        steps: [
          {
            id: 'ask',
            kind: 'llm',
            prompt: 'hi',
            retry: { maxAttempts: 3, initialDelayMs: 100, factor: 10 },
          },
        ],
      }),
    );
    await vi.runAllTimersAsync();
    const result = await run;
    expect(ofType('attempt-retry').map((event) => event.delayMs)).toEqual([99, 999]);
    expect(result.error).toMatchObject({
      code: 'MODEL_CALL_FAILED',
      stepPath: 'ask',
      details: { attempts: 3 },
    });
    expect(await store.listAttempts(result.runId, 'ask')).toMatchObject([
      { attempt: 1, status: 'failed' },
      { attempt: 2, status: 'failed' },
      { attempt: 3, status: 'failed' },
    ]);
  });

  it('does not retry an error that is not retryable', async () => {
    const model = createScriptedModel([{ error: { status: 400 } }, 'never']);
    const { engine, ofType } = setup({ model });
    const result = await engine.run(
      define({ steps: [{ id: 'ask', kind: 'llm', prompt: 'hi', retry: { maxAttempts: 5 } }] }),
    );
    expect(result.status).toBe('failed');
    expect(ofType('step-start')).toHaveLength(1);
    expect(model.calls).toHaveLength(1);
  });
});
