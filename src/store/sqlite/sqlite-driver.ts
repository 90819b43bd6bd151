import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

let driver: typeof Database | undefined;

/**
 * better-sqlite3, loaded when the first database opens: `baton` exports the SQLite store, and
 * importing it must not load a native module that a process using only `MemoryStore` never needs.
 */
export function openDatabase(path: string, options: Database.Options): Database.Database {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return new driver(path, options);
}
