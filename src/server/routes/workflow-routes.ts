import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { BatonError, type Step } from '../../core/index.js';
import {
  RunIdSchema,
  StartRunBodySchema,
  WorkflowDetailSchema,
  WorkflowSummarySchema,
} from '../api-schemas.js';
import { errorBody, errorResponse } from '../error-response.js';
import { runSummaries } from '../run-views.js';
import type { ApiApp, ServerDeps } from '../server-deps.js';
import { workflowGraph } from '../workflow-graph.js';
import { errorResponses, jsonResponse, requireRole, validate } from './route-helpers.js';

const NameParam = z.object({ name: z.string() });
const idempotencyTtlMs = 24 * 60 * 60 * 1000;

/** `GET /api/workflows`, `GET /api/workflows/:name`, `POST /api/workflows/:name/runs`. */
export function addWorkflowRoutes(app: ApiApp, deps: ServerDeps): void {
  app.get(
    '/api/workflows',
    describeRoute({
      summary: 'The workflows of the served folder, valid or not',
      responses: {
        200: jsonResponse(z.object({ workflows: z.array(WorkflowSummarySchema) }), 'The workflows'),
        ...errorResponses(),
      },
    }),
    (c) =>
      c.json(
        {
          workflows: deps.catalog.list().map((entry) => ({
            name: entry.name,
            file: entry.file,
            ...(entry.loaded?.workflow.description === undefined
              ? {}
              : { description: entry.loaded.workflow.description }),
            steps: entry.loaded ? countSteps(entry.loaded.workflow.steps) : 0,
            valid: entry.loaded !== undefined,
            ...(entry.problems ? { problems: entry.problems } : {}),
          })),
        },
        200,
      ),
  );

  app.get(
    '/api/workflows/:name',
    describeRoute({
      summary: 'A workflow: definition, input schema, graph and last runs',
      responses: { 200: jsonResponse(WorkflowDetailSchema, 'The workflow'), ...errorResponses(404) },
    }),
    validate('param', NameParam),
    async (c) => {
      const { name } = c.req.valid('param');
      const entry = deps.catalog.get(name);
      if (!entry?.loaded) return c.json(errorBody('WORKFLOW_NOT_FOUND', missing(name, entry?.file)), 404);
      const { workflow } = entry.loaded;
      const runs = await deps.store.listRuns({ workflowName: name, limit: 20 });
      return c.json(
        {
          name,
          file: entry.file,
          definition: workflow as unknown as Record<string, unknown>,
          inputSchema: (workflow.input as Record<string, unknown> | undefined) ?? null,
          graph: workflowGraph(workflow.steps),
          runs: await runSummaries(deps.store, runs),
        },
        200,
      );
    },
  );

  app.post(
    '/api/workflows/:name/runs',
    requireRole('operator'),
    describeRoute({
      summary: 'Start a run; an invalid input is refused before anything is journaled',
      responses: {
        200: jsonResponse(RunIdSchema, 'A start with this Idempotency-Key was made already: its run'),
        201: jsonResponse(RunIdSchema, 'The run started'),
        ...errorResponses(400, 404),
      },
    }),
    validate('param', NameParam),
    validate(
      'header',
      z.object({
        'idempotency-key': z
          .string()
          .max(200)
          .optional()
          .meta({ description: 'Starts with the same key (per caller, 24 hours) return the first run.' }),
      }),
    ),
    validate('json', StartRunBodySchema),
    async (c) => {
      const { name } = c.req.valid('param');
      const { input } = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      const scoped = key === undefined ? undefined : `${c.get('caller').name}\u0000${key}`;
      const now = Date.now();
      for (const [stored, entry] of deps.idempotency)
        if (entry.at < now - idempotencyTtlMs) deps.idempotency.delete(stored);
      const earlier = scoped === undefined ? undefined : deps.idempotency.get(scoped);
      // The promise is kept, not the id: a second start with the key while the first is still
      // being journaled gets the same run.
      const started = earlier?.run ?? deps.control.start(name, input);
      if (scoped !== undefined && !earlier) deps.idempotency.set(scoped, { run: started, at: now });
      try {
        const runId = await started;
        return c.json({ runId }, earlier ? 200 : 201);
      } catch (error) {
        if (scoped !== undefined && !earlier) deps.idempotency.delete(scoped);
        if (BatonError.is(error, 'WORKFLOW_NOT_FOUND'))
          return c.json(errorBody(error.code, error.message), 404);
        // The engine's hint names the CLI's flags; over HTTP the fix is the body's `input`.
        return errorResponse(
          c,
          error,
          {},
          { INPUT_INVALID: "Fix the fields listed in `problems` in the body's `input`." },
        );
      }
    },
  );
}

function missing(name: string, file: string | undefined): string {
  return file === undefined
    ? `No workflow "${name}" is served.`
    : `Workflow "${name}" (${file}) does not load; GET /api/workflows lists its problems.`;
}

function countSteps(steps: readonly Step[]): number {
  return steps.reduce(
    (count, step) => count + 1 + (step.kind === 'map' || step.kind === 'loop' ? countSteps(step.steps) : 0),
    0,
  );
}
