import { expect, it } from 'vitest';
import type { JournaledEvent } from '../core/index.js';
import { runFixture, type StoreSubject } from './store-fixtures.js';

/** A journaled `step-end` event of `run_1` numbered `seq`. */
function eventFixture(seq: number, overrides: Partial<JournaledEvent> = {}): JournaledEvent {
  return {
    type: 'step-end',
    runId: 'run_1',
    path: `item[${seq}]`,
    stepId: 'item',
    kind: 'transform',
    status: 'succeeded',
    attempt: 1,
    time: 1_700_000_000_000 + seq,
    durationMs: 3,
    outputSize: 14,
    output: { n: seq, text: 'é' },
    seq,
    ...overrides,
  } as JournaledEvent;
}

const seqs = (events: readonly JournaledEvent[]) => events.map((event) => event.seq);

export function eventTests(subject: StoreSubject): void {
  it('reads appended events back whole, by seq, and knows the last seq', async () => {
    await subject().createRun(runFixture());
    expect(await subject().lastEventSeq('run_1')).toBe(0);
    const start = eventFixture(1, {
      type: 'run-start',
      runId: 'run_1',
      workflow: 'triage',
      time: 5,
      resumed: false,
      seq: 1,
    } as Partial<JournaledEvent>);
    const large = eventFixture(3, { output: { text: 'x'.repeat(70_000) } } as Partial<JournaledEvent>);
    await subject().appendEvents('run_1', [start, eventFixture(2)]);
    await subject().appendEvents('run_1', [large]);
    expect(await subject().readEvents('run_1')).toStrictEqual([start, eventFixture(2), large]);
    expect(await subject().lastEventSeq('run_1')).toBe(3);
  });

  it('reads from after a seq, at most a limit, and keeps each run to its own events', async () => {
    await subject().createRun(runFixture());
    await subject().createRun(runFixture({ id: 'run_2' }));
    await subject().appendEvents(
      'run_1',
      Array.from({ length: 12 }, (_, index) => eventFixture(index + 1)),
    );
    await subject().appendEvents('run_2', [eventFixture(1, { runId: 'run_2' })]);
    expect(seqs(await subject().readEvents('run_1', { after: 4, limit: 5 }))).toEqual([5, 6, 7, 8, 9]);
    expect(seqs(await subject().readEvents('run_1', { after: 10 }))).toEqual([11, 12]);
    expect(await subject().readEvents('run_1', { after: 12 })).toEqual([]);
    expect(await subject().readEvents('run_2')).toStrictEqual([eventFixture(1, { runId: 'run_2' })]);
    expect(await subject().readEvents('run_missing')).toEqual([]);
    expect(await subject().lastEventSeq('run_missing')).toBe(0);
  });

  it('applies appends made without waiting in the order they were made', async () => {
    await subject().createRun(runFixture());
    await Promise.all(
      Array.from({ length: 50 }, (_, index) => subject().appendEvents('run_1', [eventFixture(index + 1)])),
    );
    expect(seqs(await subject().readEvents('run_1'))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('refuses an event that repeats or skips a seq, and keeps the journal as it was', async () => {
    await subject().createRun(runFixture());
    await subject().appendEvents('run_1', [eventFixture(1), eventFixture(2)]);
    await expect(subject().appendEvents('run_1', [eventFixture(2)])).rejects.toMatchObject({
      code: 'STORE_CONFLICT',
    });
    await expect(subject().appendEvents('run_1', [eventFixture(4)])).rejects.toMatchObject({
      code: 'STORE_CONFLICT',
    });
    await expect(subject().appendEvents('run_1', [eventFixture(3), eventFixture(5)])).rejects.toMatchObject({
      code: 'STORE_CONFLICT',
    });
    expect(seqs(await subject().readEvents('run_1'))).toEqual([1, 2]);
    await subject().appendEvents('run_1', [eventFixture(3)]);
    expect(await subject().lastEventSeq('run_1')).toBe(3);
  });
}
