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
  if (isPostgresUrl(options.db)) return openPostgres(options.db);
  const path = options.db === undefined ? defaultSqlitePath(process.cwd()) : resolve(options.db);
  if (!options.create && !existsSync(path)) {
    return { store: new MemoryStore(), path, exists: false, close: async () => {} };
  }
  const store = createSqliteStore({ path });
  return { store, path, exists: true, close: () => store.close() };
}

/**
 * A `postgres://` journal (`?schema=name` picks its schema, default `baton`). The store connects (and migrates) on first use, so commands open it the
 * way they open a file; `pg` is loaded only here.
 */
function openPostgres(url: string): OpenedStore {
  const opening = import('../store/postgres/index.js').then(({ createPostgresStore }) =>
    createPostgresStore(postgresTarget(url)),
  );
  // A command that never touches the store must not leave an unhandled rejection behind.
  opening.catch(() => {});
  // Following is synchronous (it returns its stop function), so it starts once the store is open.
  const followEvents: NonNullable<Store['followEvents']> = (runId, onWake) => {
    let stop: (() => void) | undefined;
    let stopped = false;
    void opening.then((opened) => {
      if (!stopped) stop = opened.followEvents(runId, onWake);
    });
    return () => {
      stopped = true;
      stop?.();
    };
  };
  const store = new Proxy({} as Store, {
    get: (_target, method: string) =>
      method === 'then'
        ? undefined
        : method === 'followEvents'
          ? followEvents
          : async (...args: unknown[]) => {
              const opened = (await opening) as unknown as Record<string, (...values: unknown[]) => unknown>;
              return opened[method]?.(...args);
            },
  });
  return {
    store,
    path: withoutPassword(url),
    exists: true,
    close: async () => {
      const opened = await opening.catch(() => undefined);
      await opened?.close();
    },
  };
}

/** A `postgres://` URL to print: its password masked. */
export function withoutPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Whether `--db` names a PostgreSQL journal rather than a SQLite file. */
export function isPostgresUrl(db: string | undefined): db is string {
  return db !== undefined && /^postgres(ql)?:\/\//.test(db);
}

/** The connection string and schema of a `postgres://...?schema=name` URL. */
export function postgresTarget(url: string): { connectionString: string; schema?: string } {
  // `?schema=name` picks the schema; pg itself would pass the parameter to the server.
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), ...(schema === undefined ? {} : { schema }) };
}
