import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { ApproveBodySchema, PendingSchema, RejectBodySchema, RunIdSchema } from '../api-schemas.js';
import { errorResponse } from '../error-response.js';
import { type Pending, pendingOf } from '../run-views.js';
import type { ApiApp, ServerDeps } from '../server-deps.js';
import { errorResponses, jsonResponse, RunIdParam, requireRole, validate } from './route-helpers.js';

const DecisionParams = RunIdParam.extend({
  path: z.string().meta({ description: 'The waiting step, URL-encoded.' }),
});

/** The inbox of everything runs wait on, and the decisions: approve (maybe with an edit), reject. */
export function addApprovalRoutes(app: ApiApp, deps: ServerDeps): void {
  const { store } = deps;

  app.get(
    '/api/approvals',
    describeRoute({
      summary: 'Everything waiting runs wait on: approval steps, gated tool calls, questions',
      responses: {
        200: jsonResponse(z.object({ approvals: z.array(PendingSchema) }), 'The inbox'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const approvals: Pending[] = [];
      for (const run of await store.listRuns({ status: 'waiting', limit: 1000 }))
        approvals.push(...(await pendingOf(store, run, deps.engine.services.tools)));
      approvals.sort((a, b) => a.requestedAt - b.requestedAt);
      return c.json({ approvals }, 200);
    },
  );

  app.post(
    '/api/runs/:id/approvals/:path/approve',
    requireRole('approver'),
    describeRoute({
      summary:
        'Approve (an edit is checked against the output schema; for a question, the edit is the answer)',
      description:
        'The decision is recorded in the name of the token’s owner. Of two decisions at once, one wins; the other gets 409.',
      responses: {
        200: jsonResponse(RunIdSchema, 'Decided; the run continues'),
        ...errorResponses(400, 404, 409, 422),
      },
    }),
    validate('param', DecisionParams),
    validate('json', ApproveBodySchema),
    async (c) => {
      const { id, path } = c.req.valid('param');
      try {
        return c.json(
          { runId: await deps.control.approve(id, path, c.req.valid('json'), c.get('caller')) },
          200,
        );
      } catch (error) {
        const fix = 'Change the edit so it matches the schema in the inbox item, and approve again.';
        return errorResponse(
          c,
          error,
          { INPUT_INVALID: 422, OUTPUT_INVALID: 422 },
          { INPUT_INVALID: fix, OUTPUT_INVALID: fix },
        );
      }
    },
  );

  app.post(
    '/api/runs/:id/approvals/:path/reject',
    requireRole('approver'),
    describeRoute({
      summary: 'Reject with a reason',
      responses: {
        200: jsonResponse(RunIdSchema, 'Decided; the run continues'),
        ...errorResponses(400, 404, 409),
      },
    }),
    validate('param', DecisionParams),
    validate('json', RejectBodySchema),
    async (c) => {
      const { id, path } = c.req.valid('param');
      try {
        return c.json(
          { runId: await deps.control.reject(id, path, c.req.valid('json'), c.get('caller')) },
          200,
        );
      } catch (error) {
        return errorResponse(c, error);
      }
    },
  );
}
