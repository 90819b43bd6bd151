import { expect } from 'vitest';
import {
  type Engine,
  isLiveEvent,
  type JournaledEvent,
  type Store,
  type WorkflowDefinition,
} from '../../../src/core/index.js';

/** A map of 500 slow items: a run of about 1,000 events that takes long enough to join in the middle. */
export const thousandEvents: WorkflowDefinition = {
  workflow: {
    name: 'thousand',
    steps: [
      {
        id: 'each',
        kind: 'map',
        items: '[1..500]',
        steps: [{ id: 'work', kind: 'transform', value: { function: 'slow' } }],
      },
    ],
  },
  functions: {
    slow: () => new Promise((resolve) => setTimeout(() => resolve('ok'), 2)),
  },
};

/**
 * Starts the run on `runner`, joins it from `reader` once it is under way, disconnects at two
 * seqs and reconnects after the last event seen each time, and checks what was read against the
 * journal and against what the runner's listeners saw: every event once, in order, no gap.
 */
export async function checkSeam(runner: Engine, reader: Engine, store: Store): Promise<void> {
  const emitted: JournaledEvent[] = [];
  runner.subscribe((event) => {
    if (!isLiveEvent(event)) emitted.push(event as JournaledEvent);
  });
  const handle = await runner.start(thousandEvents);
  let ended = false;
  void handle.result.then(() => {
    ended = true;
  });
  while ((await store.lastEventSeq(handle.runId)) < 200)
    await new Promise((resolve) => setTimeout(resolve, 5));
  expect(ended).toBe(false);
  const read: JournaledEvent[] = [];
  let after = 0;
  const joinedAt: number[] = [];
  for (const stop of [400, 700, Number.POSITIVE_INFINITY]) {
    joinedAt.push(emitted.length);
    for await (const event of reader.events(handle.runId, { after })) {
      if (isLiveEvent(event)) continue;
      read.push(event);
      after = event.seq;
      if (event.seq >= stop) break;
    }
  }
  const result = await handle.result;
  expect(result.status).toBe('succeeded');
  const journal = await store.readEvents(handle.runId);
  expect(journal.length).toBeGreaterThanOrEqual(1000);
  expect(journal.map((event) => event.seq)).toEqual(journal.map((_, index) => index + 1));
  expect(read).toEqual(journal);
  expect(emitted.map((event) => event.seq)).toEqual(journal.map((event) => event.seq));
  expect(read.at(-1)).toMatchObject({ type: 'run-end', status: 'succeeded' });
  // The reader joined a run under way, not a finished one.
  expect(joinedAt[0]).toBeLessThan(journal.length);
}
