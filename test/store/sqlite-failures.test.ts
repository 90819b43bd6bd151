import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatonError } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { storeFailure } from '../../src/store/sqlite/sqlite-errors.js';
import { runFixture, stepFixture } from '../../src/testing/store-fixtures.js';

let directory: string;
let path: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'baton-failures-'));
  path = join(directory, 'baton.db');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

async function outputOf(store: SqliteStore, stepPath: string): Promise<unknown> {
  return (await store.listSteps('run_1')).find((step) => step.path === stepPath)?.output;
}

function blobCount(): number {
  const database = new Database(path, { readonly: true });
  const count = database.prepare('SELECT count(*) FROM blobs').pluck().get() as number;
  database.close();
  return count;
}

describe('SqliteStore inline values', () => {
  it('keeps a value of exactly the inline limit inline, and moves one a character longer to a blob', async () => {
    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    // JSON of a string is its characters and two quotes: 1024 characters in all.
    const atLimit = 'x'.repeat(1022);
    await store.writeStep(stepFixture({ path: 'a', output: atLimit }));
    await store.close();
    expect(blobCount()).toBe(0);
    const again = new SqliteStore(path);
    await again.writeStep(stepFixture({ path: 'b', output: `${atLimit}y` }));
    expect(await outputOf(again, 'a')).toBe(atLimit);
    expect(await outputOf(again, 'b')).toBe(`${atLimit}y`);
    await again.close();
    expect(blobCount()).toBe(1);
  });

  it('stores a part of a large value separately only when the part itself is over the limit', async () => {
    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    const large = 'z'.repeat(3000);
    await store.writeStep(stepFixture({ path: 'a', output: ['x'.repeat(1022), large] }));
    await store.close();
    // The list and its 3000-character part; the part at the limit stays inside the list's blob.
    expect(blobCount()).toBe(2);
    const reopened = new SqliteStore(path);
    expect(await outputOf(reopened, 'a')).toEqual(['x'.repeat(1022), large]);
    await reopened.close();
  });
});

describe('SqliteStore failures', () => {
  it('fails a write that meets a lock held past the busy timeout as retryable, naming the file', async () => {
    const store = new SqliteStore(path, { busyTimeoutMs: 20 });
    await store.createRun(runFixture());
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const error = await store.updateRun('run_1', { status: 'waiting' }).catch((thrown: unknown) => thrown);
      expect(BatonError.is(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect(error).toMatchObject({
        retryable: true,
        details: { path: store.path, sqliteCode: expect.stringMatching(/^SQLITE_BUSY/) },
        hint: expect.stringContaining('busyTimeoutMs'),
      });
      expect((error as Error).message).toContain(store.path);
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await store.close();
    }
  });

  it('says a closed store is closed, and that it cannot be retried', async () => {
    const store = new SqliteStore(path);
    await store.close();
    const error = await store.getRun('run_1').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: false,
      hint: 'The store was closed; create a new one to use the journal again.',
    });
  });

  it('refuses a second run with the same id as a conflict, naming the run, and keeps the first', async () => {
    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    const error = await store
      .createRun({ ...runFixture(), workflowName: 'other' })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'STORE_CONFLICT', details: { runId: 'run_1' } });
    expect((error as BatonError).hint).toContain('another id');
    expect((error as BatonError).cause).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(await store.getRun('run_1')).toStrictEqual(runFixture());
    await store.close();
  });

  it('appends no events as nothing to write, whatever the fence', async () => {
    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    await expect(store.appendEvents('run_1', [], 99)).resolves.toBeUndefined();
    await store.close();
  });

  it('refuses events that do not follow the last one, naming the first that does not and what it should follow', async () => {
    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    const event = (seq: number) =>
      ({ type: 'step-skip', runId: 'run_1', path: 'x', stepId: 'x', reason: 'r', time: seq, seq }) as const;
    await store.appendEvents('run_1', [event(1), event(2)]);
    const error = await store.appendEvents('run_1', [event(3), event(5)]).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'STORE_CONFLICT', details: { runId: 'run_1', seq: 5, last: 3 } });
    // Nothing of the refused append was written.
    await store.appendEvents('run_1', [event(3)]);
    await store.close();
  });

  it('refuses to update a run that is not in the journal, naming it', async () => {
    const store = new SqliteStore(path);
    const error = await store.updateRun('run_9', { status: 'failed' }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'RUN_NOT_FOUND', details: { runId: 'run_9' } });
    expect((error as BatonError).hint).toContain('Create the run before updating it');
    await store.close();
  });

  it('reports any other failure to create a run as the store being unavailable, not a conflict', async () => {
    const store = new SqliteStore(path);
    await store.close();
    await expect(store.createRun(runFixture())).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('says a file that is not a database is not one', () => {
    writeFileSync(path, 'not a database at all, just text that is long enough to have a header. '.repeat(4));
    expect(() => new SqliteStore(path)).toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE', retryable: false }) as Error,
    );
  });
});

describe('SqliteStore opening an existing file', () => {
  it('takes an empty file as a new journal', async () => {
    writeFileSync(path, '');
    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    expect((await store.listRuns()).map((run) => run.id)).toEqual(['run_1']);
    await store.close();
  });

  it('refuses a file too short to hold a database header, and leaves it as it was', () => {
    writeFileSync(path, 'short');
    expect(() => new SqliteStore(path)).toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE', retryable: false }) as Error,
    );
    expect(readFileSync(path, 'utf8')).toBe('short');
  });
});

describe('storeFailure', () => {
  const failure = (code: unknown, message = 'failed') => Object.assign(new Error(message), { code });

  it('marks busy and locked databases retryable, whatever the extended code', () => {
    for (const code of [
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_LOCKED',
      'SQLITE_LOCKED_SHAREDCACHE',
    ]) {
      const error = storeFailure(failure(code), 'write a step', '/tmp/j.db');
      expect(error).toMatchObject({
        code: 'STORE_UNAVAILABLE',
        retryable: true,
        details: { sqliteCode: code },
      });
      expect(error.hint).toContain('busy timeout');
    }
  });

  it('marks every other failure not retryable, with a hint for what it is', () => {
    const full = storeFailure(failure('SQLITE_FULL', 'disk full'), 'write a step', '/tmp/j.db');
    expect(full).toMatchObject({
      retryable: false,
      details: { path: '/tmp/j.db', sqliteCode: 'SQLITE_FULL' },
    });
    expect(full.message).toBe('Could not write a step in the SQLite journal at /tmp/j.db: disk full');
    expect(full.hint).toContain('disk has room');
    expect(full.cause).toBeInstanceOf(Error);
    expect(storeFailure(failure('SQLITE_NOTADB'), 'open', '/tmp/j.db').hint).toContain(
      'not a SQLite database',
    );
    expect(storeFailure(failure('XSQLITE_BUSY'), 'open', '/tmp/j.db').retryable).toBe(false);
    const plain = storeFailure('text thrown', 'open', '/tmp/j.db');
    expect(plain).toMatchObject({ retryable: false, details: { path: '/tmp/j.db' } });
    expect(plain.details).not.toHaveProperty('sqliteCode');
    expect(plain.message).toContain('text thrown');
    expect(storeFailure(failure(5), 'open', '/tmp/j.db').details).not.toHaveProperty('sqliteCode');
  });

  it('passes a BatonError through unchanged', () => {
    const original = new BatonError('RUN_NOT_FOUND', 'No run.');
    expect(storeFailure(original, 'read a run', '/tmp/j.db')).toBe(original);
  });
});

/** Another thread creates the file and holds it exclusively for `holdMs`, as a second process opening the same new journal does. */
async function holdNewFile(holdMs: number) {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(
    `const Database = require('better-sqlite3');
     const { parentPort, workerData } = require('node:worker_threads');
     const db = new Database(workerData.path);
     db.exec('BEGIN EXCLUSIVE');
     parentPort.postMessage('locked');
     setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.holdMs);`,
    { eval: true, workerData: { path, holdMs } },
  );
  const released = new Promise<void>((resolve) =>
    worker.on('message', (message: string) => message === 'released' && resolve()),
  );
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  return {
    released,
    stop: () => worker.terminate(),
  };
}

describe('SqliteStore opening a new file another connection holds', () => {
  it('waits for the lock, up to the busy timeout', async () => {
    const holder = await holdNewFile(150);
    const store = new SqliteStore(path, { busyTimeoutMs: 5_000 });
    await store.createRun(runFixture());
    expect(await store.getRun('run_1')).toMatchObject({ id: 'run_1' });
    await store.close();
    await holder.stop();
  });

  it('gives up once the busy timeout has passed, as a retryable failure', async () => {
    const holder = await holdNewFile(1_500);
    const started = Date.now();
    let error: unknown;
    try {
      new SqliteStore(path, { busyTimeoutMs: 50 });
    } catch (thrown) {
      error = thrown;
    }
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    await holder.released;
    await holder.stop();
  });
});
