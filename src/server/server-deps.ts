import type { Hono } from 'hono';
import type { Engine, Store } from '../core/index.js';
import type { Caller } from './auth.js';
import type { RunControl } from './run-control.js';
import type { WebhookSender } from './webhooks.js';
import type { WorkerRuns } from './worker-runs.js';
import type { WorkflowCatalog } from './workflow-catalog.js';

/** What the routes work with: the engine and journal, the served workflows, and the server's parts. */
export interface ServerDeps {
  engine: Engine;
  store: Store;
  catalog: WorkflowCatalog;
  control: RunControl;
  webhooks: WebhookSender | undefined;
  version: string;
  /** Run ids of starts by `Idempotency-Key` (per caller), kept 24 hours. */
  idempotency: Map<string, { run: Promise<string>; at: number }>;
  /** The runs workers execute, when runs started here go to them. */
  workers: WorkerRuns | undefined;
}

export type ApiEnv = { Variables: { caller: Caller } };
export type ApiApp = Hono<ApiEnv>;
