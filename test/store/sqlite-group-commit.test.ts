import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheEntry, StepRecord } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { lastOfEachRow } from '../../src/store/sqlite/sqlite-group-commit.js';
import { stepFixture } from '../../src/testing/store-fixtures.js';

let directory: string;
let store: SqliteStore;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'baton-group-commit-'));
  store = new SqliteStore(join(directory, 'baton.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('SqliteStore group commit', () => {
  it('fails only the write the database refuses when writes share a transaction', async () => {
    // A record no caller can build in TypeScript, so the database's NOT NULL refuses it at commit.
    const refused = { ...stepFixture({ path: 'bad' }), stepId: null } as unknown as StepRecord;
    const outcomes = await Promise.allSettled([
      store.writeStep(stepFixture({ path: 'a', startedAt: 1 })),
      store.writeStep(refused),
      store.writeStep(stepFixture({ path: 'b', startedAt: 2 })),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({
      reason: { code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/NOT NULL/) },
    });
    expect((await store.listSteps('run_1')).map((step) => step.path)).toEqual(['a', 'b']);
  });

  it('fails only the cache write the database refuses when it shares a transaction with steps', async () => {
    const refused = { key: 'sha256:bad', value: 1, createdAt: null } as unknown as CacheEntry;
    const outcomes = await Promise.allSettled([
      store.writeStep(stepFixture({ path: 'a' })),
      store.writeCache({ key: 'sha256:good', value: 'kept', createdAt: 1 }),
      store.writeCache(refused),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(outcomes[2]).toMatchObject({
      reason: { code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/write a cache entry.*NOT NULL/) },
    });
    expect(await store.readCache('sha256:good')).toStrictEqual({
      key: 'sha256:good',
      value: 'kept',
      createdAt: 1,
    });
    expect(await store.readCache('sha256:bad')).toBeUndefined();
    expect((await store.listSteps('run_1')).map((step) => step.path)).toEqual(['a']);
  });

  it('lets a cache read see the cache writes made before it, committed or not', async () => {
    const written = store.writeCache({ key: 'sha256:a', value: 1, createdAt: 1 });
    expect((await store.readCache('sha256:a'))?.value).toBe(1);
    await written;
  });

  it('rejects a cache value JSON cannot hold when it is written, not later', async () => {
    await expect(
      store.writeCache({ key: 'sha256:a', value: { total: 10n }, createdAt: 1 }),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringMatching(/write a cache entry.*BigInt/),
    });
    expect(await store.readCache('sha256:a')).toBeUndefined();
  });

  it('lets a read see the writes made before it, committed or not', async () => {
    const written = store.writeStep(stepFixture({ path: 'a' }));
    expect((await store.listSteps('run_1')).map((step) => step.path)).toEqual(['a']);
    await written;
  });

  it('rejects a value JSON cannot hold when it is written, not later', async () => {
    await expect(store.writeStep(stepFixture({ output: { total: 10n } }))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringMatching(/BigInt/),
    });
    expect(await store.listSteps('run_1')).toEqual([]);
  });
});

describe('lastOfEachRow', () => {
  it('keeps the last upsert of each row, in the order of the writes', () => {
    const rows = [
      ...lastOfEachRow([
        {
          rows: [
            ['upsertStep', ['run_1', 'a', 'running']],
            ['upsertAttempt', ['run_1', 'a', 1, 'running']],
          ],
          blobs: [],
        },
        { rows: [['upsertStep', ['run_1', 'b', 'running']]], blobs: [] },
        {
          rows: [
            ['upsertStep', ['run_1', 'a', 'succeeded']],
            ['upsertAttempt', ['run_1', 'a', 1, 'succeeded']],
            ['upsertAttempt', ['run_1', 'a', 2, 'running']],
            ['upsertCache', ['key', 'value']],
          ],
          blobs: [],
        },
      ]),
    ];
    expect(rows).toEqual([
      ['upsertStep', ['run_1', 'b', 'running']],
      ['upsertStep', ['run_1', 'a', 'succeeded']],
      ['upsertAttempt', ['run_1', 'a', 1, 'succeeded']],
      ['upsertAttempt', ['run_1', 'a', 2, 'running']],
      ['upsertCache', ['key', 'value']],
    ]);
  });

  it('commits a quick step as it ended', async () => {
    const started = store.writeStep(stepFixture({ status: 'running' }), {
      runId: 'run_1',
      path: 'answer',
      attempt: 1,
      status: 'running',
      startedAt: 1,
    });
    const ended = store.writeStep(stepFixture({ status: 'succeeded', output: 4 }), {
      runId: 'run_1',
      path: 'answer',
      attempt: 1,
      status: 'succeeded',
      startedAt: 1,
      endedAt: 2,
    });
    await Promise.all([started, ended]);
    expect(await store.listSteps('run_1')).toMatchObject([{ status: 'succeeded', output: 4 }]);
    expect(await store.listAttempts('run_1')).toMatchObject([
      { attempt: 1, status: 'succeeded', endedAt: 2 },
    ]);
  });
});
