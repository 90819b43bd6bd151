import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../src/core/index.js';
import { createDistributedRuns, type DistributedRuns } from '../../src/distributed/index.js';
import { WorkersOverviewSchema } from '../../src/server/api-schemas.js';
import { createServerApp, type ServerApp } from '../../src/server/app.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { type RunningCli, startCli } from '../cli/cli-harness.js';
import { queueSchemaFor } from '../distributed/distributed-fixture.js';
import { dropSchema, dropTestStore, openTestStore, postgresUrl } from '../store/postgres-fixture.js';

// Each step reports the process that ran it; `slow` runs until the run is cancelled.
const moduleJs = `export const functions = {
  where: () => ({ pid: process.pid }),
  slow: () => new Promise((resolve) => setTimeout(() => resolve({ pid: process.pid }), 600_000).unref()),
  ask: async (_scope, ctx) => ({ plan: await ctx.interrupt({ key: 'plan', prompt: 'Which plan?' }) }),
};
`;

const placedYaml = `name: placed
module: ./steps.mjs
input:
  type: object
  properties:
    total: { type: number }
  required: [total]
steps:
  - { id: draft, kind: transform, value: { function: where } }
  - id: check
    kind: approval
    subject: { total: '{{ input.total }}' }
    needs: [draft]
    output:
      type: object
      properties:
        total: { type: number, minimum: 0 }
      required: [total]
  - { id: done, kind: transform, value: { function: where }, needs: [check] }
`;

const askYaml = `name: ask
module: ./steps.mjs
steps:
  - { id: setup, kind: transform, value: { function: ask } }
`;

const hangYaml = `name: hang
module: ./steps.mjs
steps:
  - { id: slow, kind: transform, value: { function: slow } }
`;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read as plain JSON
type Json = any;

/** A clock the test moves, so the sweeper takes every running run for abandoned. */
function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, sleep: systemClock.sleep, advance: (ms) => (offset += ms) };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads a run's event stream, event names in order, until it ends or `stop` is called. */
function readEvents(url: string): { types: string[]; ended: Promise<void>; stop(): void } {
  const types: string[] = [];
  const controller = new AbortController();
  const ended = (async () => {
    const response = await fetch(url, { signal: controller.signal });
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('event: ')) types.push(line.slice('event: '.length));
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) throw error;
  });
  return { types, ended, stop: () => controller.abort() };
}

describe('baton serve with runs on workers', () => {
  let store: PostgresStore;
  let queueSchema: string;
  let folder: string;
  let runs: DistributedRuns;
  let running: RunningServer;
  let server: ServerApp;
  let inProcess: ServerApp;
  let worker: RunningCli;
  const clock = movableClock();

  beforeAll(async () => {
    store = await openTestStore(import.meta.filename);
    queueSchema = queueSchemaFor(store.schema);
    folder = mkdtempSync(join(tmpdir(), 'baton-serve-workers-'));
    writeFileSync(join(folder, 'steps.mjs'), moduleJs);
    writeFileSync(join(folder, 'placed.yaml'), placedYaml);
    writeFileSync(join(folder, 'hang.yaml'), hangYaml);
    writeFileSync(join(folder, 'ask.yaml'), askYaml);
    runs = await createDistributedRuns({
      store,
      connectionString: postgresUrl,
      queueSchema,
      definitionFor: (run) => server?.catalog.version(run.workflowHash),
    });
    running = await startServer({
      store,
      folder,
      port: 0,
      sweepIntervalMs: false,
      engine: { clock },
      workers: { runs },
    });
    server = running.server;
    inProcess = await createServerApp({ store, folder, sweepIntervalMs: false });
    const db = `${postgresUrl}?schema=${store.schema}&queue-schema=${queueSchema}`;
    worker = startCli(
      ['worker', 'placed.yaml', 'hang.yaml', 'ask.yaml', '--db', db, '--health-interval', '1'],
      {
        cwd: folder,
      },
    );
    await worker.waitForOutput('"state":"running"');
  }, 120_000);

  afterAll(async () => {
    worker?.child.kill('SIGTERM');
    await worker?.exited;
    await running?.close();
    await inProcess?.close();
    await dropTestStore(store);
    await dropSchema(queueSchema);
    rmSync(folder, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown, raw?: string) => {
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  it('starts a run for the workers, streams its events, takes its approval, and the worker runs every step', async () => {
    const started = await api('POST', '/api/workflows/placed/runs', { input: { total: 9 } });
    expect(started.status).toBe(201);
    const { runId } = started.body;
    const events = readEvents(`${running.url}/api/runs/${runId}/events`);
    await until(async () => events.types.includes('approval-request'), 'the approval is asked');
    const inbox = (await api('GET', '/api/approvals')).body.approvals;
    expect(inbox).toContainEqual(expect.objectContaining({ runId, path: 'check', kind: 'approval' }));

    const invalid = await api('POST', `/api/runs/${runId}/approvals/check/approve`, { edit: { total: -1 } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.problems?.[0]?.path).toContain('total');
    expect((await store.getRun(runId))?.status).toBe('waiting');

    const approved = await api('POST', `/api/runs/${runId}/approvals/check/approve`, {
      edit: { total: 10 },
      comment: 'rounded',
    });
    expect(approved).toEqual({ status: 200, body: { runId } });
    await events.ended;
    expect(events.types[0]).toBe('run-start');
    expect(events.types).toContain('approval-response');
    expect(events.types.at(-1)).toBe('run-end');
    const run = await store.getRun(runId);
    expect(run?.status).toBe('succeeded');

    // Every step ran in the worker's process; the server executed nothing.
    const steps = await store.listSteps(runId);
    const outputOf = (path: string) => steps.find((step) => step.path === path)?.output;
    expect(outputOf('draft')).toEqual({ pid: worker.child.pid });
    expect(outputOf('done')).toEqual({ pid: worker.child.pid });
    expect(worker.child.pid).not.toBe(process.pid);
    expect(outputOf('check')).toEqual({ total: 10 });
    const decision = (await store.listSubCalls(runId, 'check')).find(
      (entry) => entry.kind === 'approval-decision',
    );
    expect(decision?.response).toMatchObject({ action: 'approve', by: 'local', comment: 'rounded' });
    expect(server.engine.services.active.size).toBe(0);

    const again = await api('POST', `/api/runs/${runId}/approvals/check/approve`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('APPROVAL_NOT_PENDING');

    const overview = await api('GET', '/api/workers');
    expect(overview.body.mode).toBe('workers');
    // The shape the OpenAPI document gives.
    expect(WorkersOverviewSchema.safeParse(overview.body).error).toBeUndefined();
    expect(overview.body.workers).toHaveLength(1);
    expect(overview.body.workers[0]).toMatchObject({ live: true, queues: ['default'] });
  }, 120_000);

  it('cancels a step running on the worker, leaves the run to the workers when sweeping, and resumes it on them', async () => {
    const started = await api('POST', '/api/workflows/hang/runs', {});
    expect(started.status).toBe(201);
    const { runId } = started.body;
    await until(
      async () => (await store.listAttempts(runId, 'slow')).length === 1,
      'the worker starts the step',
    );

    // Seen from the server, the run is long past its start and holds no lease: in one process it
    // would be taken for abandoned and resumed here.
    clock.advance(10 * 60_000);
    expect(await server.sweeper.sweep()).toEqual([]);
    expect(server.engine.services.active.size).toBe(0);

    expect(await api('POST', `/api/runs/${runId}/cancel`)).toEqual({
      status: 200,
      body: { result: 'marked' },
    });
    await until(
      async () => (await store.listAttempts(runId, 'slow'))[0]?.status === 'interrupted',
      'the worker stops the step',
    );
    expect((await store.getRun(runId))?.status).toBe('cancelled');

    expect(await api('POST', `/api/runs/${runId}/resume`)).toEqual({ status: 202, body: { runId } });
    await until(
      async () => (await store.listAttempts(runId, 'slow')).length === 2,
      'the worker runs it again',
    );
    expect(server.engine.services.active.size).toBe(0);
    expect(await api('POST', `/api/runs/${runId}/cancel`)).toEqual({
      status: 200,
      body: { result: 'marked' },
    });
    await until(
      async () => (await store.listAttempts(runId, 'slow'))[1]?.status === 'interrupted',
      'the worker stops it again',
    );
    expect(await api('POST', `/api/runs/${runId}/cancel`)).toEqual({
      status: 200,
      body: { result: 'ended' },
    });
  }, 120_000);

  it('refuses to answer a question of a run on workers, which it cannot hand to them', async () => {
    const { runId } = (await api('POST', '/api/workflows/ask/runs', {})).body;
    await until(async () => (await store.getRun(runId))?.status === 'waiting', 'the question is asked');
    expect((await api('GET', `/api/runs/${runId}`)).body.waiting).toMatchObject([
      { path: 'setup', kind: 'question' },
    ]);
    for (const [action, body] of [
      ['approve', { edit: 'pro' }],
      ['reject', { reason: 'no' }],
    ] as const) {
      const refused = await api('POST', `/api/runs/${runId}/approvals/setup/${action}`, body);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        stepPath: 'setup',
        message: expect.stringContaining('question'),
      });
    }
    expect((await store.listSubCalls(runId, 'setup')).map((call) => call.kind)).not.toContain('answer');
    expect((await store.getRun(runId))?.status).toBe('waiting');
    expect(await api('POST', `/api/runs/${runId}/cancel`)).toEqual({
      status: 200,
      body: { result: 'marked' },
    });
  }, 60_000);

  it('answers bad requests as a server running runs itself does', async () => {
    const requests: Array<[string, string, unknown?, string?]> = [
      ['POST', '/api/workflows/placed/runs', { input: { total: 'nine' } }],
      ['POST', '/api/workflows/placed/runs', undefined, '{ not json'],
      ['POST', '/api/workflows/nowhere/runs', { input: {} }],
      ['POST', '/api/runs/run_unknown/cancel'],
      ['POST', '/api/runs/run_unknown/resume'],
      ['POST', '/api/runs/run_unknown/approvals/check/approve', {}],
      ['POST', '/api/runs/run_unknown/approvals/check/reject', { reason: 'no' }],
      ['POST', '/api/runs/run_unknown/approvals/check/reject', {}],
      ['GET', '/api/runs/run_unknown/events'],
    ];
    const before = (await store.listRuns({ limit: 100 })).length;
    for (const [method, path, body, raw] of requests) {
      const onWorkers = await api(method, path, body, raw);
      const here = await inProcess.fetch(
        new Request(`http://localhost${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      expect([400, 404], `${method} ${path}`).toContain(onWorkers.status);
      expect(onWorkers, `${method} ${path}`).toEqual({ status: here.status, body: await here.json() });
    }
    expect((await store.listRuns({ limit: 100 })).length).toBe(before);
    const notJson = await api('POST', '/api/workflows/placed/runs', undefined, '{ not json');
    expect(notJson.body.error).toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('JSON'),
    });
  }, 60_000);
});
