import { generateText, Output, stepCountIs, streamText } from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../../src/core/index.js';
import { createMockModel, createModelRegistry } from '../../src/models/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createMockModel', () => {
  it('answers a prompt the same way every time, and another prompt differently', async () => {
    const model = createMockModel({ name: 'fast' });
    const first = await generateText({ model, prompt: 'Summarize the quarterly report.' });
    const again = await generateText({ model, prompt: 'Summarize the quarterly report.' });
    const other = await generateText({ model, prompt: 'Translate the memo into French.' });
    expect(again.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
    expect(first.text).toMatch(
      /^Mock answer [0-9a-f]{8} from mock:fast to "Summarize the quarterly report.": /,
    );
  });

  it('reports about one token per four characters', async () => {
    const result = await generateText({ model: createMockModel(), prompt: 'Twelve chars' });
    expect(result.usage.inputTokens).toBe(3);
    expect(result.usage.outputTokens).toBe(Math.ceil(result.text.length / 4));
  });

  it('returns an object that satisfies the response schema', async () => {
    const schema = z.object({
      verdict: z.enum(['approve', 'reject']),
      confidence: z.number().min(0).max(1),
      reasons: z.array(z.string()).min(1),
    });
    const result = await generateText({
      model: createMockModel(),
      prompt: 'Review this expense claim.',
      output: Output.object({ schema }),
    });
    expect(schema.parse(result.output)).toEqual(result.output);
  });

  it('streams its answer word by word', async () => {
    const model = createMockModel();
    const result = streamText({ model, prompt: 'Tell me something.' });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(5);
    const whole = await generateText({ model, prompt: 'Tell me something.' });
    expect(deltas.join('')).toBe(whole.text);
  });

  it('calls an offered tool with fitting arguments, then answers after the result', async () => {
    const lookups: string[] = [];
    const result = await generateText({
      model: createMockModel(),
      prompt: 'What is the weather in Paris?',
      tools: {
        get_weather: {
          description: 'Weather in a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }: { city: string }) => {
            lookups.push(city);
            return { celsius: 18 };
          },
        },
      },
      stopWhen: stepCountIs(3),
    });
    expect(lookups).toHaveLength(1);
    expect(result.steps).toHaveLength(2);
    expect(result.text).toMatch(/^Mock answer/);
  });

  it('stops at maxOutputTokens with finish reason length', async () => {
    const result = await generateText({
      model: createMockModel(),
      prompt: 'Write at length.',
      maxOutputTokens: 3,
    });
    expect(result.text).toHaveLength(12);
    expect(result.finishReason).toBe('length');
  });

  it('waits the latency given in its name', async () => {
    vi.useFakeTimers({ now: 0 });
    const registry = createModelRegistry({}, { env: {}, clock: systemClock });
    const { model, id } = registry.resolve('mock:fast?latencyMs=200', 'draft');
    expect(id).toBe('mock:fast');
    let answered = false;
    const call = generateText({ model, prompt: 'Hello' }).then((result) => {
      answered = true;
      return result;
    });
    await vi.advanceTimersByTimeAsync(199);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await call).text).toMatch(/^Mock answer/);
  });
});
