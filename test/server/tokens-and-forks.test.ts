import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockModel } from '../../src/models/index.js';
import { hasRole, isLoopback, loadTokens } from '../../src/server/auth.js';
import { startServer } from '../../src/server/serve.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { call } from './api-client.js';
import { testServer } from './server-fixture.js';

type Fixture = Awaited<ReturnType<typeof testServer>>;
const fixtures: Fixture[] = [];
afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
});

describe('tokens', () => {
  it('reads tokens from the environment and a file, and refuses malformed or short ones with the place', () => {
    const directory = mkdtempSync(join(tmpdir(), 'baton-tokens-'));
    try {
      const file = join(directory, 'tokens');
      writeFileSync(
        file,
        '# people\nana:approver:ana-secret-0123456789 # Ana\n\nops:operator:ops-secret-0123456789\n',
      );
      const tokens = loadTokens({ environment: 'vera:viewer:vera-secret-012345678', file });
      expect(tokens.find('ana-secret-0123456789')).toEqual({ name: 'ana', role: 'approver' });
      expect(tokens.find('vera-secret-012345678')).toEqual({ name: 'vera', role: 'viewer' });
      expect(tokens.find('ops-secret-0123456789')).toEqual({ name: 'ops', role: 'operator' });
      expect(tokens.find('nobody')).toBeUndefined();
      writeFileSync(file, 'ana:boss:ana-secret-0123456789\n');
      expect(() => loadTokens({ file })).toThrow(`${file}:1: expected name:role:token`);
      expect(() => loadTokens({ environment: 'a:viewer:short' })).toThrow('shorter than 16 characters');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('orders roles and knows loopback addresses', () => {
    expect(hasRole({ name: 'a', role: 'operator' }, 'approver')).toBe(true);
    expect(hasRole({ name: 'a', role: 'approver' }, 'operator')).toBe(false);
    expect(['127.0.0.1', 'localhost', '::1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.4', '::'].some(isLoopback)).toBe(false);
  });

  it('refuses to start on a non-loopback address without tokens', async () => {
    await expect(
      startServer({ store: new MemoryStore(), folder: tmpdir(), host: '0.0.0.0', port: 0 }),
    ).rejects.toThrow('without tokens');
  });

  it('answers a configured origin with CORS headers, and no other', async () => {
    const fixture = await testServer({ corsOrigins: ['https://studio.example.com'] });
    fixtures.push(fixture);
    const allowed = await call(fixture.server, 'GET', '/api/health', {
      headers: { origin: 'https://studio.example.com' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://studio.example.com');
    const other = await call(fixture.server, 'GET', '/api/health', {
      headers: { origin: 'https://evil.example.com' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

const draftYaml = `name: draft
input:
  type: object
  properties:
    topic: { type: string }
steps:
  - id: outline
    kind: llm
    model: fast
    prompt: 'Outline {{ input.topic }}'
  - id: write
    kind: llm
    model: fast
    prompt: 'Write about {{ steps.outline }}'
`;

describe('token deltas', () => {
  it('streams a running step’s deltas over SSE without ids, between journaled events with ids', async () => {
    const fixture = await testServer({
      engine: { models: { fast: createMockModel({ name: 'fast', latencyMs: 400 }) } },
    });
    fixtures.push(fixture);
    writeFileSync(join(fixture.folder, 'draft.yaml'), draftYaml);
    await fixture.server.catalog.reload();
    const { body } = await call(fixture.server, 'POST', '/api/workflows/draft/runs', {
      body: { input: { topic: 'owls' } },
    });
    const text = String((await call(fixture.server, 'GET', `/api/runs/${body.runId}/events`)).body);
    const blocks = text.split('\n\n').filter((block) => block.startsWith('event:'));
    const deltas = blocks.filter((block) => block.startsWith('event: step-delta'));
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.every((block) => !/^id: /m.test(block))).toBe(true);
    expect(
      blocks
        .filter((block) => !block.startsWith('event: step-delta'))
        .every((block) => /^id: \d+$/m.test(block)),
    ).toBe(true);
    expect(blocks.at(-1)).toMatch(/^event: run-end/);
  });
});

describe('forks', () => {
  it('replays from a step with its prompt and model overridden, reusing the steps upstream', async () => {
    const fixture = await testServer({
      engine: {
        models: { fast: createMockModel({ name: 'fast' }), smart: createMockModel({ name: 'smart' }) },
      },
    });
    fixtures.push(fixture);
    writeFileSync(join(fixture.folder, 'draft.yaml'), draftYaml);
    await fixture.server.catalog.reload();
    const { body } = await call(fixture.server, 'POST', '/api/workflows/draft/runs', {
      body: { input: { topic: 'owls' } },
    });
    const ended = async (runId: string) => {
      for (let tries = 0; tries < 200; tries++) {
        const status = (await fixture.store.getRun(runId))?.status;
        if (status !== 'running') return status;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return 'running';
    };
    expect(await ended(body.runId)).toBe('succeeded');
    const fork = await call(fixture.server, 'POST', `/api/runs/${body.runId}/replay`, {
      body: {
        from: 'write',
        overrides: { write: { model: 'smart', prompt: 'Write a haiku about {{ steps.outline }}' } },
      },
    });
    expect(fork.status).toBe(201);
    expect(await ended(fork.body.runId)).toBe('succeeded');
    const [before, after] = await Promise.all([
      fixture.store.listSteps(body.runId),
      fixture.store.listSteps(fork.body.runId),
    ]);
    const step = (steps: typeof before, path: string) => steps.find((entry) => entry.path === path);
    expect(step(after, 'outline')?.output).toEqual(step(before, 'outline')?.output);
    expect(step(after, 'write')?.model).toContain('smart');
    expect(String(step(after, 'write')?.output)).toContain('Write a haiku about');
    const wrong = await call(fixture.server, 'POST', `/api/runs/${body.runId}/replay`, {
      body: { from: 'write', overrides: { write: { input: { x: 1 } } } },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('has no input to override');
  });
});
