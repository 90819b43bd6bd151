import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Store } from '../core/index.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { createSqliteStore, defaultSqlitePath } from '../store/sqlite/index.js';

/** The journal a command works on. */
export interface OpenedStore {
  store: Store;
  /** The database file, absolute. */
  path: string;
  /** False when there is no journal yet and the command only reads: an empty store stands in. */
  exists: boolean;
  close(): Promise<void>;
}

/**
 * Opens the SQLite journal at `--db`, or `.baton/baton.db` in the working directory. Commands
 * that only read pass `create: false`, so looking at runs never leaves an empty database behind.
 *
 * @example
 * ```ts
 * const opened = openStore({ db: options.db, create: true });
 * try { ... } finally { await opened.close(); }
 * ```
 */
export function openStore(options: { db?: string | undefined; create: boolean }): OpenedStore {
  const path = options.db === undefined ? defaultSqlitePath(process.cwd()) : resolve(options.db);
  if (!options.create && !existsSync(path)) {
    return { store: new MemoryStore(), path, exists: false, close: async () => {} };
  }
  const store = createSqliteStore({ path });
  return { store, path, exists: true, close: () => store.close() };
}
