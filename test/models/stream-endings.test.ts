import { streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelRegistry, RateLimiterPool } from '../../src/models/index.js';
import { type Fixture, loadFixture, startFixtureServer } from './fixture-server.js';

let server: Awaited<ReturnType<typeof startFixtureServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const openaiEvents = loadFixture('openai/chat-stream-truncated').response.events ?? [];
const anthropicEvents = loadFixture('anthropic/messages-stream').response.events ?? [];
const responsesEvents = [
  'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","created_at":1741570611,"status":"in_progress","model":"gpt-4o-mini","output":[]}}',
  'event: response.output_item.added\ndata: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}}',
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"The answer"}',
];

/** A stream that ends cleanly, or with a chunk that is not JSON, before the model finished. */
function cut(events: string[], keep: number, malformed: boolean): Fixture {
  return {
    response: {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      events: [
        ...events.slice(0, keep),
        ...(malformed ? ['data: {"choices":[{"delta":{"content":"broken'] : []),
      ],
    },
  };
}

const providers = [
  ['openai', 'openai:gpt-4o-mini', {}, openaiEvents, 3],
  ['openai responses', 'openai:gpt-4o-mini', { api: 'responses' }, responsesEvents, 3],
  ['anthropic', 'anthropic:claude-haiku-4-5', {}, anthropicEvents, 5],
] as const;

describe.each(providers)('a %s stream that stops early', (_name, modelName, settings, events, keep) => {
  it.each([
    ['cleanly, with no finish', false],
    ['with a malformed chunk', true],
  ])('%s ends with an error part, keeping the text', async (_how, malformed) => {
    const fixture = cut([...events], keep, malformed);
    server = await startFixtureServer(() => fixture);
    const provider = modelName.split(':')[0] as 'openai' | 'anthropic';
    const models = createModelRegistry(
      {
        providers: {
          [provider]: {
            baseURL: `${server.url}/v1`,
            apiKey: 'sk-test',
            retry: { maxRetries: 0 },
            ...settings,
          },
        },
      },
      { env: {}, rateLimiters: new RateLimiterPool() },
    );
    const { model } = models.resolve(modelName, 'ask');
    const errors: unknown[] = [];
    const result = streamText({
      model,
      prompt: 'Hi',
      maxRetries: 0,
      onError: ({ error }) => errors.push(error),
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text.length).toBeGreaterThan(0);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toMatch(/stream|JSON|parse|finish/i);
    expect(await result.finishReason).not.toBe('stop');
  });
});
