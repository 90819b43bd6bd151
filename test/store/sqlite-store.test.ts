import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournaledEvent, Store } from '../../src/core/index.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/index.js';
import { describeStoreContract } from '../../src/testing/store-contract.js';
import { runFixture } from '../../src/testing/store-fixtures.js';

describeStoreContract({
  name: 'SqliteStore',
  createStore: () => new SqliteStore(join(mkdtempSync(join(tmpdir(), 'baton-sqlite-')), 'baton.db')),
  async destroyStore(store: Store) {
    await store.close?.();
    rmSync(dirname((store as SqliteStore).path), { recursive: true, force: true });
  },
});

describe('SqliteStore synchronous', () => {
  const directory = mkdtempSync(join(tmpdir(), 'baton-sqlite-sync-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** The connection's `PRAGMA synchronous`: 1 is NORMAL, 2 is FULL. */
  async function synchronousOf(options: SqliteStoreOptions, name: string): Promise<unknown> {
    const store = new SqliteStore(join(directory, name), options);
    try {
      const { database } = store as unknown as {
        database: { pragma(sql: string, options: object): unknown };
      };
      return database.pragma('synchronous', { simple: true });
    } finally {
      await store.close();
    }
  }

  it('syncs at checkpoints (NORMAL) by default', async () => {
    expect(await synchronousOf({}, 'default.db')).toBe(1);
  });

  it('syncs every commit (FULL) when asked', async () => {
    expect(await synchronousOf({ synchronous: 'full' }, 'full.db')).toBe(2);
    expect(await synchronousOf({ synchronous: 'normal' }, 'normal.db')).toBe(1);
  });

  it('refuses another mode, naming the option', () => {
    expect(() => new SqliteStore(join(directory, 'off.db'), { synchronous: 'off' as 'full' })).toThrow(
      expect.objectContaining({
        code: 'INPUT_INVALID',
        message: expect.stringContaining('synchronous'),
        details: { synchronous: 'off' },
        hint: expect.stringContaining("give 'full'"),
      }),
    );
  });
});

describe('SqliteStore events from two connections', () => {
  const directory = mkdtempSync(join(tmpdir(), 'baton-sqlite-events-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('follows events another connection appended, and refuses a seq taken or a gap', async () => {
    const path = join(directory, 'events.db');
    const first = new SqliteStore(path);
    const second = new SqliteStore(path);
    try {
      await first.createRun(runFixture());
      const event = (seq: number) =>
        ({
          type: 'step-start',
          runId: 'run_1',
          path: 'a',
          stepId: 'a',
          kind: 'transform',
          attempt: 1,
          time: seq,
          seq,
        }) as JournaledEvent;
      await first.appendEvents('run_1', [event(1), event(2)]);
      await second.appendEvents('run_1', [event(3)]);
      await expect(first.appendEvents('run_1', [event(3)])).rejects.toMatchObject({
        code: expect.any(String),
      });
      await first.appendEvents('run_1', [event(4)]);
      await expect(first.appendEvents('run_1', [event(6)])).rejects.toMatchObject({
        code: expect.any(String),
      });
      expect((await second.readEvents('run_1')).map((read) => read.seq)).toEqual([1, 2, 3, 4]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
