import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { runFixture } from '../../src/testing/store-fixtures.js';
import { checkSeam } from '../core/runner/event-seam.js';
import { dropTestStore, openTestStore, postgresUrl } from './postgres-fixture.js';

const opened: PostgresStore[] = [];
afterEach(async () => {
  const [owner, ...others] = opened.splice(0);
  for (const store of others) await store.close();
  if (owner) await dropTestStore(owner);
});

/** Two stores on one schema, as two processes pointing at one database would have. */
async function twoProcesses(): Promise<[PostgresStore, PostgresStore]> {
  const first = await openTestStore(import.meta.url);
  const second = await PostgresStore.open({
    connectionString: postgresUrl,
    schema: first.schema,
    maxConnections: 4,
  });
  opened.push(first, second);
  return [first, second];
}

describe('PostgreSQL event journal', () => {
  it('wakes a follower on another connection when events are appended', async () => {
    const [writer, follower] = await twoProcesses();
    await writer.createRun(runFixture());
    let wakes = 0;
    const woken = new Promise<void>((resolve) => {
      const stop = follower.followEvents('run_1', () => {
        wakes += 1;
        stop();
        resolve();
      });
    });
    // LISTEN is set up asynchronously: append until the follower hears one.
    for (let seq = 1; wakes === 0 && seq < 50; seq++) {
      await writer.appendEvents('run_1', [
        { type: 'step-skip', runId: 'run_1', path: 'x', stepId: 'x', reason: 'r', time: seq, seq },
      ]);
      await Promise.race([woken, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    expect(wakes).toBe(1);
  });

  it('lets a reader in another process join a 1,000-event run midway and reconnect twice', async () => {
    const [runnerStore, readerStore] = await twoProcesses();
    await checkSeam(
      createEngine({ store: runnerStore, concurrency: 4 }),
      createEngine({ store: readerStore }),
      readerStore,
    );
  });
});
