import { createBaton, MemoryStore } from 'baton';
import { createScriptedModel, type ScriptedResponse } from 'baton/testing';
import { describe, expect, it } from 'vitest';
import { createResilientModel, type ModelRetry } from '../../src/models/index.js';
import { loadExample } from '../load-example.js';
import { createManualClock } from '../manual-clock.js';
import { traceEngine } from '../run-trace.js';

const here = import.meta.dirname;
const question = 'Summarise the termination clause of our contract with Northwind in two sentences.';

/**
 * Runs resilient-step.yaml with scripted `smart` and `fast` models. `smart` goes through the
 * model layer's retries (one retry per call, as `retry: { maxRetries: 1 }` in baton.config.yaml
 * would configure), on a clock the test controls, so waits take no real time.
 */
async function runResilientStep(smartAnswers: ScriptedResponse[], fastAnswers: ScriptedResponse[]) {
  const clock = createManualClock();
  const retries: ModelRetry[] = [];
  const smart = createScriptedModel(smartAnswers, { modelId: 'smart' });
  const fast = createScriptedModel(fastAnswers, { modelId: 'fast' });
  const store = new MemoryStore();
  const baton = createBaton({
    store,
    clock,
    random: () => 0.5,
    models: {
      smart: createResilientModel(smart, {
        id: 'scripted:smart',
        retry: { maxRetries: 1 },
        clock,
        onRetry: (retry) => retries.push(retry),
      }),
      fast,
    },
  });
  const trace = traceEngine(baton);
  const started = clock.now();
  const result = await baton.run(await loadExample(here, 'resilient-step.yaml'), { input: { question } });
  const [step] = await store.listSteps(result.runId);
  return { result, step, trace, retries, smart, fast, waitedMs: clock.now() - started };
}

describe('resilient step', () => {
  it('retries a 429 after its Retry-After, then falls back to fast when smart fails again', async () => {
    const { result, step, trace, retries, smart, fast, waitedMs } = await runResilientStep(
      [{ error: { status: 429, retryAfterSeconds: 2 } }, { error: { status: 500, message: 'overloaded' } }],
      ['Either party may end the agreement with 90 days’ notice before renewal.'],
    );

    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({
      answer: 'Either party may end the agreement with 90 days’ notice before renewal.',
    });
    expect(smart.calls).toHaveLength(2);
    expect(fast.calls).toHaveLength(1);
    // The model layer waited as long as the server asked, then tried smart once more.
    expect(retries.map((retry) => [retry.model, retry.delayMs])).toEqual([['scripted:smart', 2_000]]);
    expect(waitedMs).toBe(2_000);
    expect(trace.ofType('model-fallback')).toMatchObject([
      { path: 'answer', from: 'scripted:smart', to: 'fast', error: { code: 'MODEL_CALL_FAILED' } },
    ]);
    expect(step).toMatchObject({ path: 'answer', status: 'succeeded', attempt: 1, model: 'scripted:fast' });
    expect(trace.ofType('attempt-retry')).toEqual([]);
  });

  it('runs the whole step again, after a backoff, when every model of the chain failed', async () => {
    const { result, step, trace, smart, fast } = await runResilientStep(
      [{ error: { status: 503 } }, { error: { status: 503 } }, 'Ninety days’ notice; renewal is automatic.'],
      [{ error: { status: 503 } }],
    );

    expect(result.output).toEqual({ answer: 'Ninety days’ notice; renewal is automatic.' });
    expect(trace.ofType('step-error')).toMatchObject([{ path: 'answer', attempt: 1, final: false }]);
    // Attempt 2 starts after full jitter below the 1 s initial delay of the retry policy (random() = 0.5).
    expect(trace.ofType('attempt-retry')).toMatchObject([{ path: 'answer', attempt: 2, delayMs: 500 }]);
    expect(step).toMatchObject({ status: 'succeeded', attempt: 2, model: 'scripted:smart' });
    expect([smart.calls.length, fast.calls.length]).toEqual([3, 1]);
  });

  it('fails with the last error once the retry policy is spent', async () => {
    const { result, step } = await runResilientStep(
      [{ error: { status: 503 } }],
      [{ error: { status: 503 } }],
    );

    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'MODEL_CALL_FAILED', stepPath: 'answer' });
    expect(step).toMatchObject({ status: 'failed', attempt: 3 });
  });
});
