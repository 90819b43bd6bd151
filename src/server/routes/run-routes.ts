import { streamSSE } from 'hono/streaming';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { type RunFilter, requireRun } from '../../core/index.js';
import {
  AttemptRecordSchema,
  ReplayBodySchema,
  RunDetailSchema,
  RunIdSchema,
  RunSummarySchema,
  StepRecordSchema,
  SubCallRecordSchema,
} from '../api-schemas.js';
import { errorBody, errorResponse } from '../error-response.js';
import { pendingOf, runSummaries, runSummary } from '../run-views.js';
import type { ApiApp, ServerDeps } from '../server-deps.js';
import { workflowGraph } from '../workflow-graph.js';
import { errorResponses, jsonResponse, RunIdParam, requireRole, validate } from './route-helpers.js';

const statuses = ['running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;

const ListQuery = z.object({
  workflow: z.string().optional(),
  status: z.enum(statuses).optional(),
  since: z.string().optional().meta({ description: 'Created at or after: an ISO date or epoch ms.' }),
  before: z.string().optional().meta({ description: 'Created before: an ISO date or epoch ms.' }),
  q: z.string().min(1).optional().meta({ description: 'Text in the run id or workflow name.' }),
  limit: z.coerce.number().int().min(1).max(500).optional().meta({ description: 'Default 50.' }),
  cursor: z.string().optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

/** Runs: list, get, a step, cancel, resume, replay, and the event stream. */
export function addRunRoutes(app: ApiApp, deps: ServerDeps): void {
  const { store } = deps;

  app.get(
    '/api/runs',
    describeRoute({
      summary: 'Runs, newest first, filtered, a page at a time',
      responses: {
        200: jsonResponse(
          z.object({ runs: z.array(RunSummarySchema), nextCursor: z.string().optional() }),
          'A page of runs',
        ),
        ...errorResponses(400),
      },
    }),
    validate('query', ListQuery),
    async (c) => {
      const query = c.req.valid('query');
      const limit = query.limit ?? 50;
      const filter: RunFilter = { limit: limit + 1 };
      const problems: Array<{ path: string; message: string }> = [];
      const time = (field: 'since' | 'before') => {
        const value = query[field];
        if (value === undefined) return undefined;
        const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
        if (Number.isNaN(parsed))
          problems.push({ path: field, message: `"${value}" is neither an ISO date nor epoch ms` });
        return parsed;
      };
      const since = time('since');
      const before = time('before');
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (query.cursor !== undefined && cursor === undefined)
        problems.push({ path: 'cursor', message: 'not a cursor this server gave' });
      if (problems.length > 0) {
        return c.json(errorBody('INPUT_INVALID', 'The query is invalid.', { problems }), 400);
      }
      if (query.workflow !== undefined) filter.workflowName = query.workflow;
      if (query.status !== undefined) filter.status = query.status;
      if (query.q !== undefined) filter.search = query.q;
      if (since !== undefined) filter.since = since;
      // A cursor comes from a page already cut at `before`, so it is the tighter bound.
      if (cursor !== undefined) filter.before = cursor;
      else if (before !== undefined) filter.before = { createdAt: before, id: '' };
      const runs = await store.listRuns(filter);
      const page = runs.slice(0, limit);
      const last = page.at(-1);
      return c.json(
        {
          runs: await runSummaries(store, page),
          ...(runs.length > limit && last ? { nextCursor: encodeCursor(last.createdAt, last.id) } : {}),
        },
        200,
      );
    },
  );

  app.get(
    '/api/runs/:id',
    describeRoute({
      summary: 'A run with its input, output, definition, steps and what it waits on',
      responses: { 200: jsonResponse(RunDetailSchema, 'The run'), ...errorResponses(404) },
    }),
    validate('param', RunIdParam),
    async (c) => {
      try {
        const run = await requireRun(store, c.req.valid('param').id);
        const waiting = await pendingOf(store, run, deps.engine.services.tools);
        return c.json(
          {
            ...runSummary(run, run.status === 'waiting' ? waiting.length : undefined),
            input: run.input ?? null,
            ...(run.output === undefined ? {} : { output: run.output }),
            definition: run.definition as unknown as Record<string, unknown>,
            graph: workflowGraph(run.definition.steps),
            steps: await store.listSteps(run.id),
            waiting,
          },
          200,
        );
      } catch (error) {
        return errorResponse(c, error);
      }
    },
  );

  app.get(
    '/api/runs/:id/steps/:path',
    describeRoute({
      summary: 'A step instance with its attempts and sub-calls (model calls, tool calls, decisions)',
      responses: {
        200: jsonResponse(
          z.object({
            step: StepRecordSchema,
            attempts: z.array(AttemptRecordSchema),
            calls: z.array(SubCallRecordSchema),
          }),
          'The step',
        ),
        ...errorResponses(404),
      },
    }),
    validate(
      'param',
      RunIdParam.extend({ path: z.string().meta({ description: 'URL-encoded: review%5B3%5D%2Fcheck' }) }),
    ),
    async (c) => {
      const { id, path } = c.req.valid('param');
      try {
        await requireRun(store, id);
      } catch (error) {
        return errorResponse(c, error);
      }
      const step = (await store.listSteps(id)).find((record) => record.path === path);
      if (!step) return c.json(errorBody('STEP_NOT_FOUND', `Run ${id} has no step "${path}".`), 404);
      const [attempts, calls] = await Promise.all([
        store.listAttempts(id, path),
        store.listSubCalls(id, path),
      ]);
      return c.json({ step, attempts, calls }, 200);
    },
  );

  app.post(
    '/api/runs/:id/cancel',
    requireRole('operator'),
    describeRoute({
      summary: 'Cancel a run: `stopped` here, `marked` for another process, `ended` already',
      responses: {
        200: jsonResponse(
          z.object({ result: z.enum(['stopped', 'marked', 'ended']) }),
          'What the cancel did',
        ),
        ...errorResponses(404),
      },
    }),
    validate('param', RunIdParam),
    async (c) => {
      try {
        return c.json({ result: await deps.control.cancel(c.req.valid('param').id) }, 200);
      } catch (error) {
        return errorResponse(c, error);
      }
    },
  );

  app.post(
    '/api/runs/:id/resume',
    requireRole('operator'),
    describeRoute({
      summary: 'Resume a stopped run in the background; finished steps are not redone',
      responses: { 202: jsonResponse(RunIdSchema, 'The run continues'), ...errorResponses(400, 404, 409) },
    }),
    validate('param', RunIdParam),
    async (c) => {
      try {
        return c.json({ runId: await deps.control.resume(c.req.valid('param').id) }, 202);
      } catch (error) {
        return errorResponse(c, error);
      }
    },
  );

  app.post(
    '/api/runs/:id/replay',
    requireRole('operator'),
    describeRoute({
      summary: 'Fork: a new run reusing the outputs upstream of a step, with new input or overrides',
      responses: { 201: jsonResponse(RunIdSchema, 'The new run'), ...errorResponses(400, 404) },
    }),
    validate('param', RunIdParam),
    validate('json', ReplayBodySchema),
    async (c) => {
      try {
        return c.json(
          { runId: await deps.control.replay(c.req.valid('param').id, c.req.valid('json')) },
          201,
        );
      } catch (error) {
        return errorResponse(c, error);
      }
    },
  );

  app.get(
    '/api/runs/:id/events',
    describeRoute({
      summary: 'The run’s events as Server-Sent Events: what happened so far, then live',
      description:
        'Each journaled event has `id: <seq>`; token deltas have no id. Reconnect with `Last-Event-ID` (or `?after=<seq>`) to continue after an event. The stream ends after the run ends.',
      responses: {
        200: {
          description: 'The event stream',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...errorResponses(404),
      },
    }),
    validate('param', RunIdParam),
    validate('query', z.object({ after: z.coerce.number().int().min(0).optional() })),
    validate('header', z.object({ 'last-event-id': z.string().optional() })),
    async (c) => {
      const { id } = c.req.valid('param');
      try {
        await requireRun(store, id);
      } catch (error) {
        return errorResponse(c, error);
      }
      const lastId = Number(c.req.valid('header')['last-event-id']);
      const after = Number.isInteger(lastId) && lastId >= 0 ? lastId : (c.req.valid('query').after ?? 0);
      return streamSSE(c, async (stream) => {
        const controller = new AbortController();
        stream.onAbort(() => controller.abort());
        const ping = setInterval(() => void stream.write(': ping\n\n'), 15_000);
        try {
          // Followed across `waiting`: a person may approve while the page is open.
          for await (const event of deps.engine.events(id, {
            after,
            signal: controller.signal,
            follow: true,
          })) {
            await stream.writeSSE({
              ...('seq' in event ? { id: String(event.seq) } : {}),
              event: event.type,
              data: JSON.stringify(event),
            });
            if (event.type === 'run-end' && event.status !== 'waiting') break;
          }
        } finally {
          clearInterval(ping);
        }
      });
    },
  );
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string')
      return { createdAt: value[0], id: value[1] };
  } catch {}
  return undefined;
}
