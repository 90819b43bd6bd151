import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runBuiltCli } from './built-cli-tsx.js';
import { type ChatReply, type ChatRequest, startChatServer } from './chat-server.js';
import { makeWorkspace, runIdOf } from './cli-harness.js';

// The model layer's retries and fallbacks, through the built CLI against a loopback
// OpenAI-compatible server that refuses some requests.

beforeAll(() => buildCli(), 120_000);

let server: Awaited<ReturnType<typeof startChatServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const workflow = `name: retried
steps:
  - id: ask
    kind: llm
    model: smart
    prompt: "Ask"
  - id: backup
    kind: llm
    model: [loop:broken, smart]
    prompt: "Backup {{ steps.ask }}"
`;

async function workspace(reply: (request: ChatRequest, index: number) => ChatReply, maxRetries: number) {
  server = await startChatServer(reply);
  const config = `${server.config}      retry: { maxRetries: ${maxRetries}, initialDelayMs: 10 }\n`;
  const cwd = makeWorkspace({ 'baton.config.yaml': config, 'retried.yaml': workflow });
  return (...args: string[]) => runBuiltCli(args, { cwd });
}

type ShownStep = {
  path: string;
  status: string;
  modelRetries?: Array<{ retry: number; statusCode: number; delayMs: number; retryAfterMs: number }>;
  modelFallbacks?: Array<{ from: string; to: string; code: string }>;
};

describe('model retries and fallbacks, through the built CLI', { timeout: 120_000 }, () => {
  it('journals the retries of a step that succeeded and the fallback of another, and shows both', async () => {
    let asked = 0;
    const baton = await workspace((request) => {
      if (request.model === 'broken') return { status: 500 };
      asked++;
      // The first call is refused twice with a Retry-After before it is answered.
      return asked <= 2 ? { status: 429, retryAfterMs: 50 } : { text: 'fine' };
    }, 2);
    const run = await baton('run', 'retried.yaml');
    expect(run.code, run.stderr).toBe(0);
    const id = runIdOf(run.stdout);

    const shown = await baton('show', id);
    expect(shown.stdout).toMatch(/ask\s+llm\s+succeeded\s+1\s.*2 model retries \(429\)/);
    expect(shown.stdout).toMatch(/backup\s+llm\s+succeeded\s+1\s.*fallback loop:broken → loop:chat-model/);

    const step = await baton('show', id, '--step', 'ask');
    expect(step.stdout).toContain('Model retries and fallbacks:');
    expect(step.stdout).toMatch(
      /attempt 1: retry 1 of loop:chat-model after HTTP 429, waited \d+ms \(Retry-After 50ms\)/,
    );
    expect(step.stdout).toMatch(/attempt 1: retry 2 of loop:chat-model after HTTP 429/);

    const json = JSON.parse((await baton('show', id, '--json')).stdout) as { steps: ShownStep[] };
    const ask = json.steps.find((entry) => entry.path === 'ask');
    expect(ask?.modelRetries?.map((entry) => [entry.retry, entry.statusCode, entry.retryAfterMs])).toEqual([
      [1, 429, 50],
      [2, 429, 50],
    ]);
    expect(ask?.modelRetries?.every((entry) => entry.delayMs >= 50)).toBe(true);
    expect(ask?.modelFallbacks).toBeUndefined();
    const backup = json.steps.find((entry) => entry.path === 'backup');
    // The broken model is retried twice (500) before the chain falls back.
    expect(backup?.modelRetries?.map((entry) => entry.statusCode)).toEqual([500, 500]);
    expect(backup?.modelFallbacks).toEqual([
      expect.objectContaining({ from: 'loop:broken', to: 'loop:chat-model', code: 'MODEL_CALL_FAILED' }),
    ]);

    const stepJson = JSON.parse((await baton('show', id, '--step', 'backup', '--json')).stdout) as ShownStep;
    expect(stepJson.modelFallbacks).toHaveLength(1);
  });

  it('fails with the number of attempts and the Retry-After, and still lists the retries', async () => {
    const baton = await workspace(() => ({ status: 429, retryAfterMs: 40 }), 2);
    const run = await baton('run', 'retried.yaml');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /after 3 attempts: HTTP 429: Refused with 429\. The provider asked to wait 40 ms\./,
    );
    expect(run.stderr).toContain('docs/errors.md#rate-limited');
    const id = /baton show (run_\w+)/.exec(run.stdout)?.[1] ?? '';
    const step = await baton('show', id, '--step', 'ask');
    expect(step.stdout).toMatch(/attempt 1: retry 2 of loop:chat-model after HTTP 429/);
  });
});
