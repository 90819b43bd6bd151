import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step, Store } from '../../../src/core/index.js';
import { SqliteStore } from '../../../src/store/sqlite/index.js';
import { runFixture } from '../../../src/testing/store-fixtures.js';
import { define, setup } from '../fixtures.js';

// What the tests that kill or spawn processes check, in this process: a process that dies is a
// store that stops answering, and a second process is a second connection to the same file.

let directory: string;
let path: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'baton-crash-'));
  path = join(directory, 'baton.db');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

/** A store that stops answering once `die()` is called, as the store of a killed process does. */
function mortal(store: Store) {
  let dead = false;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (dead ? new Promise(() => undefined) : value.apply(target, args));
    },
  });
  return { store: proxy, die: () => (dead = true) };
}

describe('a run whose process died', () => {
  it('is refused to another process while its lease holds, then resumed without repeating finished steps', async () => {
    const executed: string[] = [];
    const keys: string[] = [];
    let dying: (() => void) | undefined;
    const tools = {
      fetch: {
        inputSchema: z.object({}).passthrough(),
        execute: () => {
          executed.push('fetch');
          return 'page';
        },
      },
      charge: {
        inputSchema: z.object({}).passthrough(),
        execute: (_input: unknown, context: { idempotencyKey: string }) => {
          keys.push(context.idempotencyKey);
          executed.push('charge');
          if (dying) {
            dying();
            return new Promise(() => undefined);
          }
          return 'charged';
        },
      },
    };
    const steps: Step[] = [
      { id: 'fetch', kind: 'tool', tool: 'fetch' },
      { id: 'charge', kind: 'tool', tool: 'charge', needs: ['fetch'] },
      { id: 'report', kind: 'transform', value: 'steps.fetch & " " & steps.charge' },
    ];
    const definition = define({ steps });
    const first = mortal(new SqliteStore(path));
    dying = first.die;
    const doomed = setup({ store: first.store, tools, leaseMs: 300, owner: 'first' });
    void doomed.engine.run(definition);
    await waitFor(() => keys.length === 1);
    dying = undefined;

    const second = new SqliteStore(path);
    const [run] = await second.listRuns();
    expect(run?.status).toBe('running');
    const survivor = setup({ store: second, tools, owner: 'second' });
    await expect(survivor.engine.resume(run?.id ?? '', { definition })).rejects.toMatchObject({
      code: 'STORE_CONFLICT',
    });
    await new Promise((resolve) => setTimeout(resolve, 350));
    const resumed = await survivor.engine.resume(run?.id ?? '', { definition });
    expect(resumed).toMatchObject({ status: 'succeeded', output: { report: 'page charged' } });
    expect(executed).toEqual(['fetch', 'charge', 'charge']);
    expect(keys).toEqual([`${run?.id}:charge:0`, `${run?.id}:charge:0`]);
    await second.close();
  });
});

describe('two connections to one SQLite journal', () => {
  it('see each other’s runs and grant a run’s lease to one owner at a time', async () => {
    const a = new SqliteStore(path);
    const b = new SqliteStore(path);
    await a.createRun(runFixture({ id: 'run_a' }));
    await b.createRun(runFixture({ id: 'run_b' }));
    expect((await a.listRuns()).map((run) => run.id).sort()).toEqual(['run_a', 'run_b']);
    expect((await b.listRuns()).map((run) => run.id).sort()).toEqual(['run_a', 'run_b']);
    const now = Date.now();
    expect(await a.claimRun('run_a', 'owner-a', now + 60_000, now)).toBe(1);
    expect(await b.claimRun('run_a', 'owner-b', now + 60_000, now)).toBeUndefined();
    // An expired lease may be taken over, and a release by another owner changes nothing.
    expect(await b.claimRun('run_a', 'owner-b', now + 120_000, now + 60_001)).toBe(2);
    await a.releaseRun('run_a', 'owner-a');
    expect(await a.claimRun('run_a', 'owner-a', now + 60_000, now)).toBeUndefined();
    await b.releaseRun('run_a', 'owner-b');
    expect(await a.claimRun('run_a', 'owner-a', now + 60_000, now)).toBe(3);
    await a.close();
    await b.close();
  });
});

describe('cancelling a waiting run', () => {
  it('marks it cancelled so it no longer waits, and says so when asked again', async () => {
    const store = new SqliteStore(path);
    const { engine } = setup({ store });
    const waiting = await engine.run(
      define({ steps: [{ id: 'review', kind: 'approval', subject: 'refund' }] }),
    );
    expect(waiting.status).toBe('waiting');
    const otherStore = new SqliteStore(path);
    const other = setup({ store: otherStore });
    expect(await other.engine.cancel(waiting.runId)).toBe('marked');
    expect((await store.getRun(waiting.runId))?.status).toBe('cancelled');
    expect(await other.engine.cancel(waiting.runId)).toBe('ended');
    await store.close();
    await otherStore.close();
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 500 && !condition(); tries++)
    await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
