import { describe, expect, it } from 'vitest';
import { BatonError } from '../../src/core/index.js';
import { type PendingWrite, WriteQueue } from '../../src/store/sqlite/sqlite-group-commit.js';

/** A queue whose commits are recorded; a commit holding a row of `bad` fails as a rollback would. */
function queue(bad = 'none') {
  const commits: string[][] = [];
  const writes = new WriteQueue(
    (batch: readonly PendingWrite[]) => {
      const ids = batch.map((write) => String(write.rows[0]?.[1][0]));
      commits.push(ids);
      if (ids.includes(bad)) throw new Error(`refused ${bad}`);
    },
    (error, action) =>
      new BatonError('STORE_UNAVAILABLE', `Could not ${action}: ${(error as Error).message}`),
  );
  const write = (id: string) => writes.write(`write ${id}`, () => [['upsertStep', [id]]]);
  return { writes, write, commits };
}

describe('WriteQueue', () => {
  it('commits the writes made before the event loop turns in one transaction, in order', async () => {
    const { write, commits } = queue();
    await Promise.all([write('a'), write('b'), write('c')]);
    expect(commits).toEqual([['a', 'b', 'c']]);
    await write('d');
    expect(commits).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('commits each write of a batch that rolled back alone, failing only the one refused', async () => {
    const { write, commits } = queue('b');
    const results = await Promise.allSettled([write('a'), write('b'), write('c')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('Could not write b: refused b');
    expect(commits).toEqual([['a', 'b', 'c'], ['a'], ['b'], ['c']]);
  });

  it('fails a write that was alone in its transaction without trying it again', async () => {
    const { write, commits } = queue('a');
    await expect(write('a')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: 'Could not write a: refused a',
    });
    expect(commits).toEqual([['a']]);
  });

  it('commits at once what is waiting when flushed, and nothing when nothing waits', async () => {
    const { writes, write, commits } = queue();
    writes.flush();
    expect(commits).toEqual([]);
    const written = write('a');
    writes.flush();
    expect(commits).toEqual([['a']]);
    await written;
    expect(commits).toEqual([['a']]);
  });
});
