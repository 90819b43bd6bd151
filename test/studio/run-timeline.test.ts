import { describe, expect, it } from 'vitest';
import type { RunEvent, StepRecord } from '../../ui/src/api-types.ts';
import { problemParts } from '../../ui/src/problem-path.ts';
import {
  applyEvents,
  barsOfSteps,
  criticalPath,
  emptyTimeline,
  mergeSteps,
  nodeIdOf,
  statusByNode,
} from '../../ui/src/run-timeline.ts';

const event = (fields: Partial<RunEvent> & { type: string; time: number }): RunEvent => ({
  runId: 'r1',
  ...fields,
});

describe('applyEvents', () => {
  it('opens and closes attempt bars, keeps a retried step as two bars, and tracks step status', () => {
    const timeline = applyEvents(emptyTimeline(), [
      event({ type: 'step-start', seq: 1, path: 'plan', stepId: 'plan', kind: 'llm', attempt: 1, time: 100 }),
      event({ type: 'step-error', seq: 2, path: 'plan', attempt: 1, time: 150, final: false }),
      event({ type: 'step-start', seq: 3, path: 'plan', stepId: 'plan', kind: 'llm', attempt: 2, time: 200 }),
      event({ type: 'step-end', seq: 4, path: 'plan', status: 'succeeded', attempt: 2, time: 260 }),
      event({ type: 'step-skip', seq: 5, path: 'rejected', stepId: 'rejected', time: 270 }),
    ]);
    expect(timeline.attempts).toEqual([
      { path: 'plan', attempt: 1, status: 'failed', startedAt: 100, endedAt: 150 },
      { path: 'plan', attempt: 2, status: 'succeeded', startedAt: 200, endedAt: 260 },
    ]);
    expect(timeline.steps.get('plan')).toMatchObject({ status: 'succeeded', attempt: 2, endedAt: 260 });
    expect(timeline.steps.get('rejected')?.status).toBe('skipped');
  });

  it('applies a journaled event once when a reconnect sends it again', () => {
    const start = event({ type: 'step-start', seq: 1, path: 'a', attempt: 1, time: 1 });
    const once = applyEvents(emptyTimeline(), [start]);
    const twice = applyEvents(once, [
      start,
      event({ type: 'step-end', seq: 2, path: 'a', status: 'succeeded', time: 2 }),
    ]);
    expect(twice.attempts).toHaveLength(1);
    expect(twice.lastSeq).toBe(2);
  });

  it('collects streamed text per step and starts over on a stream reset or a new attempt', () => {
    const delta = (text: string): RunEvent =>
      event({ type: 'step-delta', path: 'write', attempt: 1, time: 5, delta: { kind: 'text', text } });
    let timeline = applyEvents(emptyTimeline(), [
      event({ type: 'step-start', seq: 1, path: 'write', attempt: 1, time: 1 }),
      delta('Hello '),
      delta('world'),
    ]);
    expect(timeline.streaming.get('write')).toBe('Hello world');
    timeline = applyEvents(timeline, [
      event({ type: 'stream-reset', path: 'write', attempt: 1, time: 6, reason: 'retry' }),
    ]);
    expect(timeline.streaming.has('write')).toBe(false);
    timeline = applyEvents(timeline, [
      delta('again'),
      event({ type: 'step-start', seq: 2, path: 'write', attempt: 2, time: 7 }),
    ]);
    expect(timeline.streaming.has('write')).toBe(false);
  });
});

describe('graph status', () => {
  const step = (
    path: string,
    status: StepRecord['status'],
    startedAt: number,
    endedAt?: number,
  ): StepRecord => ({
    runId: 'r1',
    path,
    stepId: path.split('/').at(-1)?.replace(/\[.*$/, '') ?? path,
    kind: 'llm',
    status,
    attempt: 1,
    startedAt,
    ...(endedAt === undefined ? {} : { endedAt }),
  });

  it('names the graph node of an inner step instance outer/inner', () => {
    expect(nodeIdOf('review[3]/check#2')).toBe('review/check');
    expect(nodeIdOf('plan')).toBe('plan');
  });

  it('shows a map node as running while one of its items runs', () => {
    const statuses = statusByNode([
      step('review[0]/check', 'succeeded', 1, 2),
      step('review[1]/check', 'running', 1),
      step('plan', 'succeeded', 0, 1),
    ]);
    expect(statuses.get('review/check')).toBe('running');
    expect(statuses.get('plan')).toBe('succeeded');
  });

  it('takes the critical path back from the last step through the dependency that ended last', () => {
    const steps = [
      step('fetch', 'succeeded', 0, 10),
      step('quick', 'succeeded', 10, 20),
      step('slow', 'succeeded', 10, 90),
      step('merge', 'succeeded', 90, 100),
    ];
    const edges = [
      { from: 'fetch', to: 'quick' },
      { from: 'fetch', to: 'slow' },
      { from: 'quick', to: 'merge' },
      { from: 'slow', to: 'merge' },
    ];
    expect([...criticalPath(steps, edges)].sort()).toEqual(['fetch', 'merge', 'slow']);
  });

  it('lets the live status of a step win over a record read before it changed', () => {
    const timeline = applyEvents(emptyTimeline(), [
      event({ type: 'step-end', seq: 9, path: 'plan', status: 'succeeded', attempt: 1, time: 5 }),
    ]);
    expect(mergeSteps([step('plan', 'running', 0)], timeline)[0]).toMatchObject({
      status: 'succeeded',
      endedAt: 5,
    });
  });
});

describe('barsOfSteps', () => {
  it('draws a bar per started step instance when the run has no journaled events', () => {
    const record = (path: string, status: StepRecord['status'], startedAt?: number): StepRecord => ({
      runId: 'r1',
      path,
      stepId: path,
      kind: 'llm',
      status,
      attempt: 2,
      ...(startedAt === undefined ? {} : { startedAt, endedAt: startedAt + 10 }),
    });
    expect(
      barsOfSteps([record('a', 'succeeded', 1), record('b', 'skipped'), record('c', 'cancelled', 5)]),
    ).toEqual([
      { path: 'a', attempt: 2, status: 'succeeded', startedAt: 1, endedAt: 11 },
      { path: 'c', attempt: 2, status: 'failed', startedAt: 5, endedAt: 15 },
    ]);
  });
});

describe('problemParts', () => {
  it('reads the paths servers give for a field', () => {
    expect(problemParts('ticket.priority')).toEqual(['ticket', 'priority']);
    expect(problemParts('/plan')).toEqual(['plan']);
    expect(problemParts('(root)')).toEqual([]);
    expect(problemParts(['items', 0, 'name'])).toEqual(['items', '0', 'name']);
  });
});
