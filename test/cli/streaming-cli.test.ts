import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runBuiltCli } from './built-cli-tsx.js';
import { makeWorkspace } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

// A mock that streams a word every 15 ms, then a fast one whose answer comes at once.
const story = `name: story
steps:
  - id: outline
    kind: llm
    model: mock:writer?chunkDelayMs=15
    prompt: Outline a story about tides
  - id: title
    kind: llm
    model: mock:fast
    prompt: "A title for {{ steps.outline }}"
`;

type Line = { type?: string; path?: string; delta?: { kind: string; text: string }; [key: string]: unknown };

describe('baton run and the streaming text of model steps', { timeout: 120_000 }, () => {
  it('prints every event as a JSON line with --json, deltas included, the result last', async () => {
    const cwd = makeWorkspace({ 'story.yaml': story });
    const ran = await runBuiltCli(['run', 'story.yaml', '--json'], { cwd });
    expect(ran.code, ran.stderr).toBe(0);
    const lines = ran.stdout.trim().split('\n');
    const parsed = lines.map((line) => JSON.parse(line) as Line);
    const result = parsed.at(-1) as { status: string; output: { outline: string; title: string } };
    expect(result.status).toBe('succeeded');
    const events = parsed.slice(0, -1);
    expect(events.every((event) => typeof event.type === 'string')).toBe(true);
    expect(events[0]?.type).toBe('run-start');
    expect(events.at(-1)?.type).toBe('run-end');
    const types = events.map((event) => `${event.type}:${event.path ?? ''}`);
    const deltas = events.filter((event) => event.type === 'step-delta' && event.path === 'outline');
    // The words came 15 ms apart: more than one delta, and together the journaled answer.
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((event) => event.delta?.text).join('')).toBe(result.output.outline);
    const first = types.indexOf('step-delta:outline');
    expect(first).toBeGreaterThan(types.indexOf('step-start:outline'));
    expect(types.lastIndexOf('step-delta:outline')).toBeLessThan(types.indexOf('step-end:outline'));
    const titleText = events
      .filter((event) => event.type === 'step-delta' && event.path === 'title')
      .map((event) => event.delta?.text)
      .join('');
    expect(titleText).toBe(result.output.title);
  });

  it('keeps deltas out of the plain log', async () => {
    const cwd = makeWorkspace({ 'story.yaml': story });
    const ran = await runBuiltCli(['run', 'story.yaml'], { cwd });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/step-end outline succeeded/);
    expect(ran.stdout).not.toMatch(/step-delta|stream-reset/);
    // The log has one line per journaled event: run-start, two steps of start, model-call and end, run-end.
    expect(ran.stdout.split('\n').filter((line) => /^\+\d+\.\d{3}s /.test(line))).toHaveLength(8);
  });
});
