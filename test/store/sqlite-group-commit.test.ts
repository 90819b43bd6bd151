import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
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
