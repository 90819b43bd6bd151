import { expect, it } from 'vitest';
import type { CacheEntry } from '../core/index.js';
import type { StoreSubject } from './store-fixtures.js';

/** A cached model result under key `sha256:answer`; `overrides` replace its fields. */
function cacheEntryFixture(overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    key: 'sha256:answer',
    value: { text: 'Sally earned 10 dollars.', numbers: [12, 50] },
    model: 'openai:gpt-4o-mini',
    usage: { inputTokens: 42, outputTokens: 7, cachedInputTokens: 0 },
    createdAt: 1_700_000_001_000,
    ...overrides,
  };
}

export function cacheTests(subject: StoreSubject): void {
  const cache = () => {
    const store = subject();
    if (!store.readCache || !store.writeCache)
      throw new TypeError('This store has no readCache/writeCache: skip the cache group.');
    return { read: store.readCache.bind(store), write: store.writeCache.bind(store) };
  };

  it('returns undefined for a key never written', async () => {
    const { read, write } = cache();
    expect(await read('sha256:missing')).toBeUndefined();
    await write(cacheEntryFixture());
    expect(await read('sha256:missing')).toBeUndefined();
  });

  it('returns an entry as it was written, with no fields added', async () => {
    const { read, write } = cache();
    const full = cacheEntryFixture();
    const bare: CacheEntry = { key: 'sha256:bare', value: 'ten', createdAt: 1 };
    await write(full);
    await write(bare);
    expect(await read(full.key)).toStrictEqual(full);
    expect(await read(bare.key)).toStrictEqual(bare);
  });

  it('keeps null, false, zero and empty values apart', async () => {
    const { read, write } = cache();
    const values: unknown[] = [null, false, 0, '', [], {}];
    for (const [index, value] of values.entries())
      await write(cacheEntryFixture({ key: `k${index}`, value }));
    const entries = await Promise.all(values.map((_, index) => read(`k${index}`)));
    expect(entries.map((entry) => entry?.value)).toStrictEqual(values);
  });

  it('replaces an entry written again under the same key, fields left out included', async () => {
    const { read, write } = cache();
    await write(cacheEntryFixture());
    const replacement: CacheEntry = {
      key: 'sha256:answer',
      value: { text: 'Ten.' },
      createdAt: 1_700_000_002_000,
    };
    await write(replacement);
    expect(await read('sha256:answer')).toStrictEqual(replacement);
  });

  it('keeps every one of many writes made at once, the last write of a key winning', async () => {
    const { read, write } = cache();
    await Promise.all(
      Array.from({ length: 300 }, (_, index) =>
        write(cacheEntryFixture({ key: `item[${index % 100}]`, value: index, createdAt: index })),
      ),
    );
    const entries = await Promise.all(Array.from({ length: 100 }, (_, index) => read(`item[${index}]`)));
    expect(entries.map((entry) => entry?.value)).toEqual(
      Array.from({ length: 100 }, (_, index) => index + 200),
    );
  });

  it('is not changed by later changes to the written or returned entry', async () => {
    const { read, write } = cache();
    const written = cacheEntryFixture();
    await write(written);
    (written.value as { numbers: number[] }).numbers.push(99);
    written.model = 'other:model';
    if (written.usage) written.usage.outputTokens = 1000;
    const first = await read('sha256:answer');
    expect(first).toBeDefined();
    if (first?.usage) first.usage.inputTokens = 0;
    (first?.value as { numbers?: number[] } | undefined)?.numbers?.push(98);
    expect(await read('sha256:answer')).toStrictEqual(cacheEntryFixture());
  });

  it('keeps a value over 100 KB intact, the same value under several keys included', async () => {
    const { read, write } = cache();
    const value = {
      text: 'Sally earned 12 dollars an hour for 50 minutes of babysitting. '.repeat(2000),
      rows: Array.from({ length: 500 }, (_, index) => ({ index, $blob: `not a reference ${index}` })),
    };
    expect(JSON.stringify(value).length).toBeGreaterThan(100 * 1024);
    const entries = ['sha256:a', 'sha256:b'].map((key) => cacheEntryFixture({ key, value }));
    for (const entry of entries) await write(entry);
    expect(await Promise.all(entries.map((entry) => read(entry.key)))).toStrictEqual(entries);
  });
}
