import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { DeliverySchema, WorkersOverviewSchema } from '../api-schemas.js';
import { roles } from '../auth.js';
import type { ApiApp, ServerDeps } from '../server-deps.js';
import { errorResponses, jsonResponse } from './route-helpers.js';

/** Health, the caller's identity, the webhook delivery log and the workers. */
export function addMetaRoutes(app: ApiApp, deps: ServerDeps): void {
  app.get(
    '/api/health',
    describeRoute({
      summary: 'Liveness, without a token',
      security: [],
      responses: { 200: jsonResponse(z.object({ ok: z.literal(true), version: z.string() }), 'Up') },
    }),
    (c) => c.json({ ok: true, version: deps.version }, 200),
  );

  app.get(
    '/api/me',
    describeRoute({
      summary: 'Who the token belongs to, and its role',
      responses: {
        200: jsonResponse(z.object({ name: z.string(), role: z.enum(roles) }), 'The caller'),
        ...errorResponses(),
      },
    }),
    (c) => c.json(c.get('caller'), 200),
  );

  app.get(
    '/api/webhooks/deliveries',
    describeRoute({
      summary: 'Webhook delivery attempts, newest first',
      responses: {
        200: jsonResponse(z.object({ deliveries: z.array(DeliverySchema) }), 'The delivery log'),
        ...errorResponses(),
      },
    }),
    (c) => c.json({ deliveries: deps.webhooks?.deliveries() ?? [] }, 200),
  );

  app.get(
    '/api/workers',
    describeRoute({
      summary: 'The workers of the journal and the steps queued for them (with `baton serve --workers`)',
      responses: {
        200: jsonResponse(WorkersOverviewSchema, 'The workers and the queue'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      if (!deps.workers) return c.json({ mode: 'in-process' as const, workers: [], jobs: [] }, 200);
      return c.json({ mode: 'workers' as const, ...(await deps.workers.overview()) }, 200);
    },
  );
}
