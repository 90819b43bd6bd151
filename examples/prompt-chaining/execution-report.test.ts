import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBaton, createRunReport, MemoryStore } from 'baton';
import { describe, expect, it } from 'vitest';
import { answerByPrompt } from '../answer-by-prompt.js';
import { loadExample } from '../load-example.js';
import { createManualClock } from '../manual-clock.js';
import { executionReport } from './execution-report.js';

const here = import.meta.dirname;
const feedback = JSON.parse(readFileSync(join(here, 'feedback.json'), 'utf8')) as { feedback: string };

/** How long each step's model takes, on a clock the test controls, and what it answers. */
const script = [
  { start: 'Extract the main issues', ms: 1_200, answer: 'Dashboard faster\nMobile logs out\nSlow support' },
  {
    start: 'For each issue',
    ms: 800,
    answer: 'Dashboard faster | positive\nMobile logs out | negative\nSlow support | negative',
  },
  {
    start: 'Original feedback',
    ms: 2_500,
    answer: 'Thank you for your feedback! Here is what we are doing about it...',
  },
];

/** A chain whose model takes the scripted time, or answers `sentiments` with something not JSON. */
async function runFeedbackChain(options: { pricing?: boolean; failSentiments?: boolean } = {}) {
  const clock = createManualClock();
  const model = answerByPrompt(({ prompt }) => {
    const step = script.find(({ start }) => prompt.startsWith(start));
    clock.advance(step?.ms ?? 0);
    if (options.failSentiments && step === script[1])
      return { error: { status: 400, message: 'context too long' } };
    return { text: step?.answer ?? '', usage: { inputTokens: 400, outputTokens: 100 } };
  });
  const store = new MemoryStore();
  const pricing = { inputPerMillion: 3, outputPerMillion: 15 };
  const baton = createBaton({
    store,
    clock,
    models: { default: options.pricing ? { model, pricing } : model },
  });
  const result = await baton.run(await loadExample(here, 'customer-feedback.yaml'), { input: feedback });
  return { store, result };
}

describe('execution report of a chain', () => {
  it('counts the steps and gives each one its duration and output size', async () => {
    const { store, result } = await runFeedbackChain({ pricing: true });
    const report = await createRunReport(store, result.runId);

    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ succeeded: 3, failed: 0, skipped: 0 });
    expect(report.durationMs).toBe(4_500);
    expect(report.steps.map((step) => [step.path, step.durationMs, step.outputSize])).toEqual(
      script.map(({ ms, answer }, index) => [
        ['issues', 'sentiments', 'response'][index],
        ms,
        Buffer.byteLength(answer),
      ]),
    );
    // 3 calls × (400 input tokens at $3/M + 100 output tokens at $15/M) = 3 × $0.0027.
    expect(report.usage).toEqual({ inputTokens: 1_200, outputTokens: 300, cachedInputTokens: 0 });
    expect(report.costUsd).toBeCloseTo(0.0081, 10);
    expect(report.models).toEqual([
      {
        model: 'scripted:scripted',
        steps: 3,
        usage: { inputTokens: 1_200, outputTokens: 300, cachedInputTokens: 0 },
        costUsd: expect.closeTo(0.0081, 10),
      },
    ]);
  });

  it('reads back in the shape of a hand-written chain monitor', async () => {
    const { store, result } = await runFeedbackChain();
    expect(await executionReport(store, result.runId)).toEqual({
      id: result.runId,
      status: 'succeeded',
      total_duration_ms: 4_500,
      steps_completed: 3,
      steps_failed: 0,
      steps_skipped: 0,
      cost_usd: 0,
      steps_detail: [
        {
          name: 'issues',
          index: 0,
          status: 'succeeded',
          duration_ms: 1_200,
          output_size: 45,
          attempts: 1,
          model: 'scripted:scripted',
        },
        {
          name: 'sentiments',
          index: 1,
          status: 'succeeded',
          duration_ms: 800,
          output_size: 78,
          attempts: 1,
          model: 'scripted:scripted',
        },
        {
          name: 'response',
          index: 2,
          status: 'succeeded',
          duration_ms: 2_500,
          output_size: 66,
          attempts: 1,
          model: 'scripted:scripted',
        },
      ],
    });
  });

  it('names the failed step and its error, and shows that nothing after it ran', async () => {
    const { store, result } = await runFeedbackChain({ failSentiments: true });
    const report = await executionReport(store, result.runId);

    expect(report.status).toBe('failed');
    expect(report.steps_completed).toBe(1);
    expect(report.steps_failed).toBe(1);
    expect(report.steps_detail.map((step) => [step.name, step.status])).toEqual([
      ['issues', 'succeeded'],
      ['sentiments', 'failed'],
    ]);
    expect(report.steps_detail[1]?.error).toMatch(/^MODEL_CALL_FAILED: .*HTTP 400.*context too long/);
  });
});
