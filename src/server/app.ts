import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { openAPIRouteHandler } from 'hono-openapi';
import { type BatonOptions, createBaton } from '../baton.js';
import type { Engine, Store, WorkflowDefinition } from '../core/index.js';
import { type Caller, TokenTable } from './auth.js';
import { errorBody } from './error-response.js';
import { addApprovalRoutes } from './routes/approval-routes.js';
import { addMetaRoutes } from './routes/meta-routes.js';
import { addRunRoutes } from './routes/run-routes.js';
import { addWorkflowRoutes } from './routes/workflow-routes.js';
import { RunControl } from './run-control.js';
import type { ApiEnv, ServerDeps } from './server-deps.js';
import { Sweeper } from './sweeper.js';
import { type WebhookOptions, WebhookSender } from './webhooks.js';
import type { WorkersOption } from './worker-runs.js';
import { WorkflowCatalog } from './workflow-catalog.js';

export interface ServerAppOptions {
  store: Store;
  /** The folder whose workflow files are served. */
  folder: string;
  /** Engine options besides the store (models, limits, lease length, clock...). */
  engine?: Omit<BatonOptions, 'store' | 'tools' | 'workflows'>;
  /** Folders workflow modules may be imported from besides each file's own. */
  moduleRoots?: string[];
  /** Read and write the journal's cache of model calls. Default true. */
  cache?: boolean;
  /** Refuses a definition this server must not run; throws a BatonError (answered as 400). */
  checkStart?: (definition: WorkflowDefinition) => void;
  /** Bearer tokens; with none, every request is `local` with the admin role. */
  tokens?: TokenTable;
  webhooks?: WebhookOptions;
  /** The built Studio: served at `/` (with index.html for any other page) when it exists. */
  uiFolder?: string;
  /** Origins allowed to call the API from a browser; none by default. */
  corsOrigins?: string[];
  /** The largest request body accepted. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Reload the workflows when a file of the folder changes. */
  watch?: boolean;
  /** How often the sweeper looks for due approvals and abandoned runs; `false` turns it off. Default 5 s. */
  sweepIntervalMs?: number | false;
  /**
   * Start runs on workers (`createDistributedRuns` of `baton/worker` over the same PostgreSQL
   * store) instead of in this process; runs started for workers are decided, cancelled and resumed
   * by enqueueing, and the sweeper leaves them to the workers. Other runs work as without it.
   */
  workers?: WorkersOption;
  version?: string;
}

/** A server's request handler and the parts it owns. */
export interface ServerApp {
  fetch: (request: Request) => Response | Promise<Response>;
  app: Hono<ApiEnv>;
  engine: Engine;
  catalog: WorkflowCatalog;
  sweeper: Sweeper;
  /** Stops watching, sweeping and listening; waits for webhook deliveries in flight. */
  close(): Promise<void>;
}

const local: Caller = { name: 'local', role: 'admin' };

/**
 * Builds the HTTP API (and the Studio's static files) over an engine on `store`, serving the
 * workflow files of `folder`. The OpenAPI document at `/api/openapi.json` is generated from the
 * same Zod schemas the routes validate with.
 *
 * @example
 * ```ts
 * const server = await createServerApp({ store: createSqliteStore({ path: '.baton/baton.db' }), folder: 'examples' });
 * const response = await server.fetch(new Request('http://localhost/api/workflows'));
 * ```
 */
export async function createServerApp(options: ServerAppOptions): Promise<ServerApp> {
  const catalog = new WorkflowCatalog({
    folder: options.folder,
    moduleRoots: options.moduleRoots ?? [],
    onReload: (loaded) => {
      // A workflow step calls another by name, and replay finds a parent's definition by name.
      const workflows = engine.services.workflows as Map<string, WorkflowDefinition>;
      workflows.clear();
      for (const entry of loaded.list()) if (entry.loaded) workflows.set(entry.name, entry.loaded);
    },
  });
  const engine: Engine = createBaton({ ...options.engine, store: options.store, tools: catalog.tools() });
  await catalog.reload();
  if (options.watch) catalog.watch();
  const control = new RunControl({
    engine,
    store: options.store,
    catalog,
    cache: options.cache ?? true,
    ...(options.checkStart ? { checkStart: options.checkStart } : {}),
    ...(options.workers ? { workers: options.workers } : {}),
  });
  const deps: ServerDeps = {
    engine,
    store: options.store,
    catalog,
    control,
    webhooks: options.webhooks ? new WebhookSender(engine, options.webhooks, options.store) : undefined,
    version: options.version ?? '0.0.0',
    idempotency: new Map(),
    workers: options.workers?.runs,
  };
  const sweeper = new Sweeper({
    engine,
    store: options.store,
    control,
    leaveAlone: (runId) => control.onWorkers(runId),
    ...(deps.webhooks ? { onPass: () => deps.webhooks?.poll() ?? Promise.resolve() } : {}),
    ...(options.sweepIntervalMs ? { intervalMs: options.sweepIntervalMs } : {}),
  });
  if (options.sweepIntervalMs !== false) sweeper.start();

  const tokens = options.tokens ?? new TokenTable([]);
  const app = new Hono<ApiEnv>();
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      crossOriginResourcePolicy: 'same-origin',
    }),
  );
  if (options.corsOrigins?.length) {
    app.use(
      '/api/*',
      cors({
        origin: options.corsOrigins,
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'],
      }),
    );
  }
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: options.bodyLimitBytes ?? 1024 * 1024,
      onError: (c) =>
        c.json(errorBody('PAYLOAD_TOO_LARGE', 'The request body is larger than this server accepts.'), 413),
    }),
  );
  app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/health' || c.req.path === '/api/openapi.json') {
      c.set('caller', local);
      return next();
    }
    if (!tokens.configured) {
      c.set('caller', local);
      return next();
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = match?.[1] === undefined ? undefined : tokens.find(match[1]);
    if (!caller) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(
        errorBody('UNAUTHORIZED', 'This request needs `Authorization: Bearer <token>` with a valid token.'),
        401,
      );
    }
    c.set('caller', caller);
    return next();
  });
  addMetaRoutes(app, deps);
  addWorkflowRoutes(app, deps);
  addRunRoutes(app, deps);
  addApprovalRoutes(app, deps);
  app.get(
    '/api/openapi.json',
    openAPIRouteHandler(app, {
      defaultValidationErrorResponse: false,
      documentation: {
        openapi: '3.1.0',
        info: {
          title: 'Baton API',
          version: deps.version,
          description: 'Workflows, runs, approvals and events of a `baton serve` server. See docs/server.md.',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
    }),
  );
  app.all('/api/*', (c) => c.json(errorBody('NOT_FOUND', `No route ${c.req.method} ${c.req.path}.`), 404));
  if (options.uiFolder !== undefined && existsSync(join(options.uiFolder, 'index.html'))) {
    const root = resolve(options.uiFolder);
    app.use('/*', serveStatic({ root }));
    // Any other page is a route of the single-page app.
    app.get('/*', serveStatic({ path: join(root, 'index.html') }));
  }
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `Nothing at ${c.req.path}.`), 404));
  app.onError((error, c) => {
    // A body that is not JSON fails in the validator before the route's schema sees it.
    if (error instanceof HTTPException && error.status === 400) {
      return c.json(
        errorBody('INPUT_INVALID', `The request body is invalid: ${error.message}.`, {
          hint: 'Send a JSON object with `Content-Type: application/json`.',
        }),
        400,
      );
    }
    console.error(error);
    return c.json(errorBody('INTERNAL', 'The server failed to answer; its log has the details.'), 500);
  });

  return {
    fetch: app.fetch,
    app,
    engine,
    catalog,
    sweeper,
    async close() {
      catalog.close();
      await sweeper.stop();
      // Runs about to end get a moment to journal it and release their lease; the rest are resumed later.
      const settling = [...engine.services.active.values()].map((run) => run.ended);
      await Promise.race([
        Promise.all(settling),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
      await deps.webhooks?.close();
    },
  };
}
