import { describe, expect, it } from 'vitest';
import { labelOf, parentOf, StepBoard } from '../../../src/cli/render/step-board.js';
import type { BatonEvent, LiveEvent } from '../../../src/core/index.js';

const start = (path: string, time = 0): BatonEvent => ({
  type: 'step-start',
  runId: 'r',
  path,
  stepId: path,
  kind: 'llm',
  attempt: 1,
  time,
});

const delta = (
  text: string,
  extra: Partial<Extract<LiveEvent, { type: 'step-delta' }>['delta']> = {},
): LiveEvent => ({
  type: 'step-delta',
  runId: 'r',
  path: 'ask',
  attempt: 1,
  time: 0,
  delta: { kind: 'text', text, ...extra },
});

describe('StepBoard', () => {
  it('keeps the streamed text of a running step, starts over on a reset and drops it at the end', () => {
    const board = new StepBoard([{ id: 'ask', kind: 'llm', prompt: 'x' }]);
    board.apply(start('ask'));
    board.apply(delta('Hello '));
    board.apply(delta('world'));
    expect(board.rows[0]?.stream).toBe('Hello world');
    board.apply({
      type: 'stream-reset',
      runId: 'r',
      path: 'ask',
      attempt: 1,
      time: 0,
      reason: 'fallback',
    });
    expect(board.rows[0]?.stream).toBeUndefined();
    board.apply(delta('{"city":', { kind: 'tool-call', toolName: 'weather', toolCallId: 'c1' }));
    board.apply(delta('"Paris"}', { kind: 'tool-call', toolName: 'weather', toolCallId: 'c1' }));
    board.apply(delta('Mild.'));
    expect(board.rows[0]?.stream).toBe('\n→ weather {"city":"Paris"}\nMild.');
    board.apply(delta('x'.repeat(1_000)));
    expect(board.rows[0]?.stream?.length).toBeLessThanOrEqual(400);
    board.apply({
      type: 'step-end',
      runId: 'r',
      path: 'ask',
      stepId: 'ask',
      kind: 'llm',
      status: 'succeeded',
      attempt: 1,
      time: 1,
      durationMs: 1,
      outputSize: 5,
    });
    expect(board.rows[0]?.stream).toBeUndefined();
  });

  it('shows top-level steps as pending before any event', () => {
    const board = new StepBoard([
      { id: 'a', kind: 'transform', value: '1' },
      { id: 'b', kind: 'transform', value: '2' },
    ]);
    expect(board.rows.map((row) => [row.path, row.status])).toEqual([
      ['a', 'pending'],
      ['b', 'pending'],
    ]);
  });

  it('puts each instance under the step that started it, in the order they start', () => {
    const board = new StepBoard([
      { id: 'review', kind: 'map', items: 'x', steps: [{ id: 'check', kind: 'transform', value: '1' }] },
      { id: 'after', kind: 'transform', value: '1' },
    ]);
    for (const path of ['review', 'review[1]/check', 'review[0]/check', 'after']) board.apply(start(path));
    expect(board.rows.map((row) => [row.label, row.depth])).toEqual([
      ['review', 0],
      ['[1]/check', 1],
      ['[0]/check', 1],
      ['after', 0],
    ]);
  });

  it('tracks retries, failures and skips from events', () => {
    const board = new StepBoard();
    board.apply(start('a'));
    board.apply({ type: 'attempt-retry', runId: 'r', path: 'a', attempt: 2, delayMs: 1500, time: 1 });
    expect(board.rows[0]).toMatchObject({ status: 'retrying', note: 'attempt 2 in 1.5s' });
    board.apply({
      type: 'step-skip',
      runId: 'r',
      path: 'b',
      stepId: 'b',
      reason: 'condition `false` is false',
      time: 2,
    });
    expect(board.rows[1]).toMatchObject({ path: 'b', status: 'skipped' });
  });

  it('marks what was still running as cancelled when the run is cancelled', () => {
    const board = new StepBoard();
    board.apply(start('a'));
    board.apply({
      type: 'run-end',
      runId: 'r',
      status: 'cancelled',
      time: 5,
      durationMs: 5,
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
      costUsd: 0,
    });
    expect(board.rows[0]?.status).toBe('cancelled');
  });
});

describe('instance paths', () => {
  it('finds the parent and label of map items, loop iterations and nested steps', () => {
    expect(parentOf('review[2]/check')).toBe('review[2]');
    expect(parentOf('review[2]')).toBe('review');
    expect(parentOf('refine#3')).toBe('refine');
    expect(parentOf('draft')).toBeUndefined();
    expect(labelOf('review[2]')).toBe('[2]');
    expect(labelOf('refine#3/critique')).toBe('critique');
  });
});
