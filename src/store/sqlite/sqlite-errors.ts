import { BatonError } from '../../core/index.js';

/**
 * Turns what better-sqlite3 throws into a `STORE_UNAVAILABLE` BatonError that names the file and
 * what was being done. Only a busy database is retryable: the lock will be free again.
 */
export function storeFailure(error: unknown, action: string, path: string): BatonError {
  if (BatonError.is(error)) return error;
  const code = (error as { code?: unknown }).code;
  const sqliteCode = typeof code === 'string' ? code : undefined;
  const busy =
    sqliteCode?.startsWith('SQLITE_BUSY') === true || sqliteCode?.startsWith('SQLITE_LOCKED') === true;
  const message = error instanceof Error ? error.message : String(error);
  let hint =
    'Check that the file is a Baton journal, that the disk has room, and that this process may write it.';
  if (busy)
    hint = 'Another process held the database longer than the busy timeout; retry, or raise busyTimeoutMs.';
  if (sqliteCode === 'SQLITE_NOTADB')
    hint = 'The file is not a SQLite database: point createSqliteStore({ path }) elsewhere.';
  if (message.includes('not open')) hint = 'The store was closed; create a new one to use the journal again.';
  return new BatonError(
    'STORE_UNAVAILABLE',
    `Could not ${action} in the SQLite journal at ${path}: ${message}`,
    {
      cause: error,
      retryable: busy,
      hint,
      details: { path, ...(sqliteCode === undefined ? {} : { sqliteCode }) },
    },
  );
}
