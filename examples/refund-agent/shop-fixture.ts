import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBaton, type Engine, MemoryStore, type Store, type ToolDefinition } from 'baton';
import { SqliteStore } from 'baton/store/sqlite';
import { createScriptedModel, type ScriptedModel } from 'baton/testing';
import { afterEach, beforeEach } from 'vitest';
import { type RunTrace, traceEngine } from '../run-trace.js';
import { type OrdersDatabase, openOrdersDatabase } from './orders-database.js';
import { scriptedRefundAgent } from './scripted-refund-agent.js';
import { createRefundTools } from './tools.js';

/** The run input in one of the JSON files of this folder. */
export const inputOf = (file: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, file), 'utf8')) as Record<string, unknown>;

/** What `useShop()` gives a test. */
export interface Shop {
  database(): OrdersDatabase;
  /** The rows a query returns. */
  rows(sql: string, ...values: unknown[]): Array<Record<string, unknown>>;
  tools(): ReturnType<typeof createRefundTools>;
  /** A SQLite journal in the test's dir; every call opens the same file, as another process would. */
  journal(): SqliteStore;
  /** An engine over the shop's tools (or `tools`), with `smart` and `fast` models and a trace. */
  engine(options?: {
    tools?: Record<string, ToolDefinition>;
    smart?: ScriptedModel;
    fast?: string;
    store?: Store;
  }): { baton: Engine; fast: ScriptedModel; trace: RunTrace };
}

/**
 * A fresh orders database in a temp dir for each test, and engines over its tools. Journals
 * opened with `journal()` are SQLite files in the same dir, closed after the test.
 *
 * @example
 * ```ts
 * const shop = useShop();
 * const { baton, trace } = shop.engine();
 * ```
 */
export function useShop(): Shop {
  let directory = '';
  let database: OrdersDatabase | undefined;
  const journals: SqliteStore[] = [];
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'baton-refund-'));
    database = openOrdersDatabase(join(directory, 'orders.db'));
  });
  afterEach(async () => {
    for (const journal of journals.splice(0)) await journal.close();
    database?.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const opened = () => {
    if (!database) throw new Error('useShop() gives a database inside tests only.');
    return database;
  };
  return {
    database: opened,
    rows: (sql: string, ...values: unknown[]) =>
      opened()
        .prepare(sql)
        .all(...values) as Array<Record<string, unknown>>,
    tools: () => createRefundTools(opened()),
    journal: () => {
      const store = new SqliteStore(join(directory, 'journal.db'));
      journals.push(store);
      return store;
    },
    /** An engine over the shop's tools (or `tools`), with `smart` and `fast` models and a trace. */
    engine(
      options: {
        tools?: Record<string, ToolDefinition>;
        smart?: ScriptedModel;
        fast?: string;
        store?: SqliteStore;
      } = {},
    ) {
      const fast = createScriptedModel([options.fast ?? 'Dear customer, ...'], { modelId: 'fast' });
      const baton = createBaton({
        models: { smart: options.smart ?? scriptedRefundAgent(), fast },
        tools: options.tools ?? createRefundTools(opened()),
        store: options.store ?? new MemoryStore(),
      });
      return { baton, fast, trace: traceEngine(baton) };
    },
  };
}
