import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type StepRecord } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { runFixture, stepFixture } from '../../src/testing/store-fixtures.js';

let directory: string;
let path: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'baton-blobs-'));
  path = join(directory, 'baton.db');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

/** Opens the journal, writes, closes (which checkpoints the WAL), and returns the file's growth. */
async function growth(write: (store: SqliteStore) => Promise<void>): Promise<number> {
  const before = statSync(path).size;
  const store = new SqliteStore(path);
  await write(store);
  await store.close();
  return statSync(path).size - before;
}

function blobCount(): number {
  const database = new Database(path, { readonly: true });
  const count = database.prepare('SELECT count(*) FROM blobs').pluck().get() as number;
  database.close();
  return count;
}

const document = 'Sally earned 12 dollars an hour for 50 minutes of babysitting. '.repeat(3200); // about 200 KB

describe('SqliteStore blobs', () => {
  beforeEach(async () => {
    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    await store.close();
  });

  it('stores small values inline', async () => {
    await growth(async (store) => {
      await store.writeStep(stepFixture({ path: 'a', input: { prompt: 'short' }, output: { answer: 10 } }));
    });
    expect(blobCount()).toBe(0);
  });

  it('stores the same large output of two steps once', async () => {
    const first = await growth((store) => store.writeStep(stepFixture({ path: 'a', output: document })));
    const second = await growth((store) => store.writeStep(stepFixture({ path: 'b', output: document })));
    expect(first).toBeGreaterThan(document.length * 0.9);
    expect(second).toBeLessThan(8 * 1024);
    expect(blobCount()).toBe(1);
  });

  it('stores a large output once when later records wrap it, gather it into a list or return it', async () => {
    const steps: StepRecord[] = [
      stepFixture({ path: 'extract', startedAt: 1, output: document }),
      stepFixture({
        path: 'summary',
        startedAt: 2,
        input: { text: document },
        output: { text: document, words: 12 },
      }),
      stepFixture({
        path: 'review',
        startedAt: 3,
        output: [document, { text: document, words: 12 }, document],
      }),
    ];
    const grown = await growth(async (store) => {
      for (const step of steps) await store.writeStep(step);
      await store.updateRun('run_1', {
        status: 'succeeded',
        output: { extract: document, review: steps[2]?.output },
      });
    });
    expect(grown).toBeLessThan(document.length * 1.2);
    const store = new SqliteStore(path);
    expect(await store.listSteps('run_1')).toStrictEqual(steps);
    expect((await store.getRun('run_1'))?.output).toStrictEqual({
      extract: document,
      review: steps[2]?.output,
    });
    await store.close();
  });

  it('stores a cached value once, under several keys and shared with a step output', async () => {
    await growth((store) => store.writeStep(stepFixture({ path: 'a', output: document })));
    const grown = await growth(async (store) => {
      for (const key of ['sha256:one', 'sha256:two'])
        await store.writeCache({ key, value: document, model: 'openai:gpt-4o-mini', createdAt: 1 });
    });
    expect(grown).toBeLessThan(8 * 1024);
    expect(blobCount()).toBe(1);
    const store = new SqliteStore(path);
    expect((await store.readCache('sha256:two'))?.value).toBe(document);
    await store.close();
  });

  it('keeps a document passed along a chain of steps once', async () => {
    const grown = await growth(async (store) => {
      const engine = createEngine({ store });
      const result = await engine.run({
        workflow: {
          name: 'pass-along',
          steps: [
            { id: 'fetch', kind: 'transform', value: { function: 'fetch' } },
            { id: 'clean', kind: 'transform', value: 'steps.fetch' },
            { id: 'wrap', kind: 'transform', value: { function: 'wrap' }, needs: ['clean'] },
          ],
        },
        functions: {
          fetch: () => document,
          wrap: ({ steps }) => ({ body: steps.clean, length: steps.clean.length }),
        },
      });
      expect(result.status).toBe('succeeded');
    });
    expect(grown).toBeLessThan(document.length * 1.2);
  });
});
