import { afterEach, describe, expect, it } from 'vitest';
import {
  type BatonEvent,
  createEngine,
  isLiveEvent,
  type LiveEvent,
  type Step,
} from '../../src/core/index.js';
import { createModelRegistry, RateLimiterPool } from '../../src/models/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { define } from '../core/fixtures.js';
import { type Fixture, type FixtureHandler, loadFixture, startFixtureServer } from './fixture-server.js';

let server: Awaited<ReturnType<typeof startFixtureServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const streamed = loadFixture('openai/chat-stream');
/** The recorded stream, one event every 60 ms: slower than the 50 ms window, so deltas show apart. */
const paced: Fixture = { response: { ...streamed.response, eventDelayMs: 60 } };
/** The first three events, then the connection drops: "Once upon" and no finish. */
const broken: Fixture = {
  response: { ...streamed.response, events: streamed.response.events?.slice(0, 3) ?? [], truncate: true },
};
/** The first three events, then nothing more: the stream stays open. */
const stalled: Fixture = {
  response: { ...streamed.response, events: streamed.response.events?.slice(0, 3) ?? [], hang: true },
};

type Delta = Extract<LiveEvent, { type: 'step-delta' }>;

async function runAgainst(script: string[] | FixtureHandler, step: Partial<Step> = {}, signal?: AbortSignal) {
  server = await startFixtureServer(script);
  const models = createModelRegistry(
    { providers: { openai: { baseURL: `${server.url}/v1`, apiKey: 'sk-test', retry: { maxRetries: 0 } } } },
    { env: {}, rateLimiters: new RateLimiterPool() },
  );
  const store = new MemoryStore();
  const engine = createEngine({ store, models });
  const events: BatonEvent[] = [];
  const live: LiveEvent[] = [];
  engine.subscribe((event) => {
    if (isLiveEvent(event)) live.push(event);
    else events.push(event);
  });
  const ask = {
    id: 'ask',
    kind: 'llm',
    model: 'openai:gpt-4o-mini',
    prompt: 'Tell a story',
    ...step,
  } as Step;
  const result = await engine.run(define({ steps: [ask] }), signal ? { signal } : {});
  const deltas = live.filter((event): event is Delta => event.type === 'step-delta');
  return { result, events, live, deltas, store };
}

const textOf = (deltas: Delta[]) => deltas.map((event) => event.delta.text).join('');

describe('token streaming from an OpenAI-compatible server', () => {
  it('sends the reply as it arrives, in deltas whose text joins to the journaled output', async () => {
    const { result, deltas, events, store } = await runAgainst(() => paced);
    expect(result.status).toBe('succeeded');
    const [step] = await store.listSteps(result.runId);
    expect(step?.output).toBe('Once upon a time.');
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(textOf(deltas)).toBe(step?.output);
    expect(
      deltas.every((event) => event.path === 'ask' && event.attempt === 1 && event.delta.kind === 'text'),
    ).toBe(true);
    expect(deltas.map((event) => event.time)).toEqual([...deltas.map((event) => event.time)].sort());
    // Usage and the finish still come from the stream's last chunks.
    expect(events.find((event) => event.type === 'model-call')).toMatchObject({
      usage: { inputTokens: 12, outputTokens: 5 },
      finishReason: 'stop',
    });
    // The deltas come before the step ends.
    const ended = events.find((event) => event.type === 'step-end')?.time ?? 0;
    expect(deltas.every((event) => event.time <= ended)).toBe(true);
  });

  it('fails a stream that breaks mid-answer, then resets the text for the retry', async () => {
    const { result, live, events } = await runAgainst((_request, index) => (index === 0 ? broken : paced), {
      retry: { maxAttempts: 2, initialDelayMs: 1 },
    } as Partial<Step>);
    expect(result.status).toBe('succeeded');
    const error = events.find((event) => event.type === 'step-error');
    expect(error).toMatchObject({ attempt: 1, final: false, error: { code: 'MODEL_CALL_FAILED' } });
    const reset = live.findIndex((event) => event.type === 'stream-reset');
    expect(live[reset]).toMatchObject({ type: 'stream-reset', path: 'ask', attempt: 2, reason: 'retry' });
    const before = live.slice(0, reset).filter((event): event is Delta => event.type === 'step-delta');
    const after = live.slice(reset + 1).filter((event): event is Delta => event.type === 'step-delta');
    expect(textOf(before)).toBe('Once upon');
    expect(before.every((event) => event.attempt === 1)).toBe(true);
    expect(textOf(after)).toBe((result.output as { ask: string }).ask);
    expect(after.every((event) => event.attempt === 2)).toBe(true);
  });

  it('resets the text when a fallback model answers after the first broke off', async () => {
    const { result, live, events } = await runAgainst((_request, index) => (index === 0 ? broken : paced), {
      model: ['openai:gpt-4o-mini', 'openai:gpt-4.1-mini'],
      retry: { maxAttempts: 1 },
    } as Partial<Step>);
    expect(result.status).toBe('succeeded');
    expect(events.find((event) => event.type === 'model-fallback')).toMatchObject({
      from: 'openai:gpt-4o-mini',
      to: 'openai:gpt-4.1-mini',
    });
    expect(
      live.map((event) => (event.type === 'stream-reset' ? `reset:${event.reason}` : event.delta.text)),
    ).toEqual(expect.arrayContaining(['reset:fallback']));
    const reset = live.findIndex((event) => event.type === 'stream-reset');
    const after = live.slice(reset + 1).filter((event): event is Delta => event.type === 'step-delta');
    expect(textOf(after)).toBe('Once upon a time.');
  });

  it('aborts the stream when the run is cancelled mid-answer', async () => {
    const controller = new AbortController();
    const running = runAgainst(
      () => stalled,
      { retry: { maxAttempts: 1 } } as Partial<Step>,
      controller.signal,
    );
    // Cancel once the first text arrived: the connection is open and waiting for more.
    while (!server?.requests.length) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    const { result, deltas } = await running;
    expect(result.status).toBe('cancelled');
    expect(textOf(deltas)).toBe('Once upon');
    await expect.poll(() => server?.hungUp).toBe(1);
  });
});
