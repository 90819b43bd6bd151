import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenTable } from '../../src/server/auth.js';
import { runFixture } from '../../src/testing/store-fixtures.js';
import { call, seen } from './api-client.js';
import { testServer } from './server-fixture.js';

type Fixture = Awaited<ReturnType<typeof testServer>>;

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const statusOf = async (fixture: Fixture, runId: string) => (await fixture.store.getRun(runId))?.status;

describe('HTTP API without tokens (loopback)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await testServer({ version: '9.9.9' });
  });
  afterAll(() => fixture.close());

  it('answers health and names the local caller', async () => {
    expect((await call(fixture.server, 'GET', '/api/health')).body).toEqual({ ok: true, version: '9.9.9' });
    expect((await call(fixture.server, 'GET', '/api/me')).body).toEqual({ name: 'local', role: 'admin' });
  });

  it('says its runs execute in its own process, with no workers', async () => {
    expect((await call(fixture.server, 'GET', '/api/workers')).body).toEqual({
      mode: 'in-process',
      workers: [],
      jobs: [],
    });
  });

  it('lists the workflow files, reporting the invalid one with its problems and skipping data files', async () => {
    const { body } = await call(fixture.server, 'GET', '/api/workflows');
    const byName = Object.fromEntries(
      body.workflows.map((workflow: { name: string }) => [workflow.name, workflow]),
    );
    expect(Object.keys(byName).sort()).toEqual(['broken', 'greet', 'review']);
    expect(byName.greet).toMatchObject({
      file: 'greet.yaml',
      description: 'Says hello.',
      steps: 2,
      valid: true,
    });
    expect(byName.broken.valid).toBe(false);
    expect(byName.broken.problems[0].location).toMatch(/^broken\.yaml:4:\d+$/);
  });

  it('gives a workflow with its graph and input schema', async () => {
    const { status, body } = await call(fixture.server, 'GET', '/api/workflows/greet');
    expect(status).toBe(200);
    expect(body.graph.nodes.map((node: { id: string }) => node.id)).toEqual(['hello', 'shout']);
    expect(body.graph.edges).toEqual([{ from: 'hello', to: 'shout' }]);
    expect(body.inputSchema.required).toEqual(['name']);
    expect((await call(fixture.server, 'GET', '/api/workflows/broken')).status).toBe(404);
    expect((await call(fixture.server, 'GET', '/api/workflows/nothing')).status).toBe(404);
  });

  it('starts a run (201) that the journal then holds with its output', async () => {
    const { status, body } = await call(fixture.server, 'POST', '/api/workflows/greet/runs', {
      body: { input: { name: 'Ana' } },
    });
    expect(status).toBe(201);
    await until(async () => (await statusOf(fixture, body.runId)) === 'succeeded');
    const run = await call(fixture.server, 'GET', `/api/runs/${body.runId}`);
    expect(run.body).toMatchObject({ id: body.runId, workflowName: 'greet', status: 'succeeded' });
    expect(run.body.output.shout).toBe('HELLO, ANA');
    expect(run.body.steps.map((step: { path: string }) => step.path)).toEqual(['hello', 'shout']);
    // The graph of the definition the run ran, not of the file as it is now.
    expect(run.body.graph.edges).toEqual([{ from: 'hello', to: 'shout' }]);
  });

  it('refuses an invalid input with 400 and its problems, journaling nothing', async () => {
    const before = (await fixture.store.listRuns()).length;
    const { status, body } = await call(fixture.server, 'POST', '/api/workflows/greet/runs', {
      body: { input: { name: '' } },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('INPUT_INVALID');
    expect(body.error.problems).toEqual([{ path: 'name', message: expect.any(String) }]);
    expect(body.error.hint).not.toMatch(/--input/);
    expect((await fixture.store.listRuns()).length).toBe(before);
  });

  it('refuses a body that is not the request schema with 400', async () => {
    const { status, body } = await call(fixture.server, 'POST', '/api/runs/x/replay', { body: { input: 1 } });
    expect(status).toBe(400);
    expect(body.error.problems[0].path).toBe('from');
  });

  it('deduplicates starts with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'order-77' };
    const [first, second] = await Promise.all([
      call(fixture.server, 'POST', '/api/workflows/greet/runs', { body: { input: { name: 'Bo' } }, headers }),
      call(fixture.server, 'POST', '/api/workflows/greet/runs', { body: { input: { name: 'Bo' } }, headers }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(second.body.runId).toBe(first.body.runId);
    const third = await call(fixture.server, 'POST', '/api/workflows/greet/runs', {
      body: { input: { name: 'Bo' } },
      headers: { 'idempotency-key': 'order-78' },
    });
    expect(third.body.runId).not.toBe(first.body.runId);
  });

  it('gives a step with its attempts and sub-calls, by URL-encoded path', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/greet/runs', {
      body: { input: { name: 'Cy' } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'succeeded');
    const step = await call(
      fixture.server,
      'GET',
      `/api/runs/${body.runId}/steps/${encodeURIComponent('shout')}`,
    );
    expect(step.body.step).toMatchObject({ path: 'shout', status: 'succeeded', output: 'HELLO, CY' });
    expect(step.body.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 'succeeded' })]);
    expect(step.body.calls).toEqual([]);
    expect((await call(fixture.server, 'GET', `/api/runs/${body.runId}/steps/nope`)).status).toBe(404);
    // A nested path travels URL-encoded, slash included.
    await fixture.store.writeStep({
      runId: body.runId,
      path: 'review[3]/check',
      stepId: 'check',
      kind: 'transform',
      status: 'succeeded',
      attempt: 1,
    });
    const nested = await call(
      fixture.server,
      'GET',
      `/api/runs/${body.runId}/steps/${encodeURIComponent('review[3]/check')}`,
    );
    expect(nested.body.step.path).toBe('review[3]/check');
    expect((await call(fixture.server, 'GET', '/api/runs/run_nope')).status).toBe(404);
  });

  it('approves from the inbox: an invalid edit is 422 and records nothing, a valid one continues the run', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/review/runs', {
      body: { input: { total: 12 } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'waiting');
    const inbox = await call(fixture.server, 'GET', '/api/approvals');
    const item = inbox.body.approvals.find((pending: { runId: string }) => pending.runId === body.runId);
    expect(item).toMatchObject({
      kind: 'approval',
      path: 'check',
      stepId: 'check',
      workflowName: 'review',
      subject: { total: 12 },
      instructions: 'Check the total.',
      schema: { required: ['total'] },
    });
    const bad = await call(fixture.server, 'POST', `/api/runs/${body.runId}/approvals/check/approve`, {
      body: { edit: { total: -1 } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.problems[0].path).toBe('total');
    expect(bad.body.error.hint).toContain('Change the edit');
    expect(await fixture.store.listSubCalls(body.runId, 'check')).toHaveLength(1);
    const good = await call(fixture.server, 'POST', `/api/runs/${body.runId}/approvals/check/approve`, {
      body: { edit: { total: 10 }, comment: 'rounded' },
    });
    expect(good).toMatchObject({ status: 200, body: { runId: body.runId } });
    await until(async () => (await statusOf(fixture, body.runId)) === 'succeeded');
    expect((await fixture.store.getRun(body.runId))?.output).toMatchObject({ done: { approved: 10 } });
    const decision = (await fixture.store.listSubCalls(body.runId, 'check')).find(
      (entry) => entry.kind === 'approval-decision',
    );
    expect(decision?.response).toMatchObject({ action: 'approve', by: 'local', comment: 'rounded' });
    const again = await call(fixture.server, 'POST', `/api/runs/${body.runId}/approvals/check/approve`, {
      body: {},
    });
    expect(again.status).toBe(409);
  });

  it('rejects with a reason', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/review/runs', {
      body: { input: { total: 5 } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'waiting');
    const rejected = await call(fixture.server, 'POST', `/api/runs/${body.runId}/approvals/check/reject`, {
      body: { reason: 'wrong' },
    });
    expect(rejected.status).toBe(200);
    await until(async () => (await statusOf(fixture, body.runId)) === 'failed');
    expect((await fixture.store.getRun(body.runId))?.error?.code).toBe('APPROVAL_REJECTED');
  });

  it('forks a finished run from a step with new input, and refuses an override of a missing step', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/greet/runs', {
      body: { input: { name: 'Di' } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'succeeded');
    const fork = await call(fixture.server, 'POST', `/api/runs/${body.runId}/replay`, {
      body: { from: 'hello', input: { name: 'Ed' } },
    });
    expect(fork.status).toBe(201);
    await until(async () => (await statusOf(fixture, fork.body.runId)) === 'succeeded');
    expect(await fixture.store.getRun(fork.body.runId)).toMatchObject({
      parentRunId: body.runId,
      output: { shout: 'HELLO, ED' },
    });
    const wrong = await call(fixture.server, 'POST', `/api/runs/${body.runId}/replay`, {
      body: { from: 'hello', overrides: { nothing: { model: 'fast' } } },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.problems).toEqual([{ path: 'overrides.nothing', message: 'no such step' }]);
  });

  it('cancels: an ended run says ended', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/greet/runs', {
      body: { input: { name: 'Fa' } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'succeeded');
    expect((await call(fixture.server, 'POST', `/api/runs/${body.runId}/cancel`)).body).toEqual({
      result: 'ended',
    });
    expect((await call(fixture.server, 'POST', '/api/runs/run_nope/resume')).status).toBe(404);
  });

  it('streams a run’s events with sequence ids and continues after Last-Event-ID', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/greet/runs', {
      body: { input: { name: 'Gu' } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'succeeded');
    const all = await call(fixture.server, 'GET', `/api/runs/${body.runId}/events`);
    expect(all.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(all.body as string);
    expect(events[0]).toMatchObject({ id: '1', event: 'run-start' });
    expect(events.at(-1)?.event).toBe('run-end');
    expect(events.map((event) => Number(event.id))).toEqual(events.map((_, index) => index + 1));
    const rest = parseSse(
      (
        await call(fixture.server, 'GET', `/api/runs/${body.runId}/events`, {
          headers: { 'last-event-id': '2' },
        })
      ).body,
    );
    expect(rest.map((event) => event.id)).toEqual(events.slice(2).map((event) => event.id));
  });

  it('follows a waiting run’s events across its approval to its end', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/review/runs', {
      body: { input: { total: 8 } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'waiting');
    const reading = call(fixture.server, 'GET', `/api/runs/${body.runId}/events`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await call(fixture.server, 'POST', `/api/runs/${body.runId}/approvals/check/approve`, { body: {} });
    const events = parseSse((await reading).body);
    const types = events.map((event) => event.event);
    expect(types).toContain('approval-response');
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ type: 'run-end', status: 'succeeded' });
  });

  it('pages through runs newest first with a cursor, and filters them', async () => {
    for (let index = 0; index < 7; index++) {
      await fixture.store.createRun(
        runFixture({
          id: `run_page${index}`,
          workflowName: 'paged',
          createdAt: 1_000 + index,
          status: index % 2 ? 'failed' : 'succeeded',
        }),
      );
    }
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(
        fixture.server,
        'GET',
        `/api/runs?workflow=paged&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      ids.push(...page.body.runs.map((run: { id: string }) => run.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual([6, 5, 4, 3, 2, 1, 0].map((index) => `run_page${index}`));
    const failed = await call(fixture.server, 'GET', '/api/runs?workflow=paged&status=failed');
    expect(failed.body.runs.map((run: { id: string }) => run.id)).toEqual([
      'run_page5',
      'run_page3',
      'run_page1',
    ]);
    const before = await call(fixture.server, 'GET', '/api/runs?workflow=paged&before=1003');
    expect(before.body.runs.map((run: { id: string }) => run.id)).toEqual([
      'run_page2',
      'run_page1',
      'run_page0',
    ]);
    const text = await call(fixture.server, 'GET', '/api/runs?q=page4');
    expect(text.body.runs.map((run: { id: string }) => run.id)).toEqual(['run_page4']);
    expect((await call(fixture.server, 'GET', '/api/runs?since=yesterday-ish')).status).toBe(400);
  });

  it('refuses a body larger than the limit with 413', async () => {
    const response = await call(fixture.server, 'POST', '/api/workflows/greet/runs', {
      body: { input: { name: 'x'.repeat(2_000_000) } },
    });
    expect(response.status).toBe(413);
  });

  it('sends security headers: a CSP without inline scripts, no sniffing, no framing', async () => {
    const { headers } = await call(fixture.server, 'GET', '/api/health');
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(headers.get('set-cookie')).toBeNull();
    expect(headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('HTTP API with tokens', () => {
  let fixture: Fixture;
  const tokens = new TokenTable([
    { name: 'vera', role: 'viewer', token: 'viewer-token-0123456789' },
    { name: 'ana', role: 'approver', token: 'approver-token-ana-0123' },
    { name: 'bo', role: 'approver', token: 'approver-token-bo-01234' },
    { name: 'ops', role: 'operator', token: 'operator-token-0123456' },
  ]);
  beforeAll(async () => {
    fixture = await testServer({ tokens });
  });
  afterAll(() => fixture.close());

  it('answers 401 without a token or with a wrong one, but health needs none', async () => {
    expect((await call(fixture.server, 'GET', '/api/runs')).status).toBe(401);
    expect((await call(fixture.server, 'GET', '/api/runs', { token: 'wrong-token-000000000' })).status).toBe(
      401,
    );
    expect((await call(fixture.server, 'GET', '/api/health')).status).toBe(200);
    expect((await call(fixture.server, 'GET', '/api/me', { token: 'viewer-token-0123456789' })).body).toEqual(
      {
        name: 'vera',
        role: 'viewer',
      },
    );
  });

  it('answers 403 to a viewer approving or starting, and records the decider from the token', async () => {
    const started = await call(fixture.server, 'POST', '/api/workflows/review/runs', {
      token: 'viewer-token-0123456789',
      body: { input: { total: 1 } },
    });
    expect(started.status).toBe(403);
    const { body } = await call(fixture.server, 'POST', '/api/workflows/review/runs', {
      token: 'operator-token-0123456',
      body: { input: { total: 1 } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'waiting');
    const denied = await call(fixture.server, 'POST', `/api/runs/${body.runId}/approvals/check/approve`, {
      token: 'viewer-token-0123456789',
      body: {},
    });
    expect(denied.status).toBe(403);
    expect(await fixture.store.listSubCalls(body.runId, 'check')).toHaveLength(1);
  });

  it('lets one of two approvers deciding at once win: one 200, one 409', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/review/runs', {
      token: 'operator-token-0123456',
      body: { input: { total: 3 } },
    });
    await until(async () => (await statusOf(fixture, body.runId)) === 'waiting');
    const path = `/api/runs/${body.runId}/approvals/check/approve`;
    const results = await Promise.all([
      call(fixture.server, 'POST', path, { token: 'approver-token-ana-0123', body: { comment: 'ana' } }),
      call(fixture.server, 'POST', path, { token: 'approver-token-bo-01234', body: { comment: 'bo' } }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 409]);
    const winner = results.find((result) => result.status === 200) === results[0] ? 'ana' : 'bo';
    await until(async () => (await statusOf(fixture, body.runId)) === 'succeeded');
    const decisions = (await fixture.store.listSubCalls(body.runId, 'check')).filter(
      (entry) => entry.kind === 'approval-decision',
    );
    expect(decisions.map((entry) => (entry.response as { by: string }).by)).toEqual([winner]);
  });
});

describe('Studio files', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    const ui = join(await import('node:os').then((os) => os.tmpdir()), `baton-ui-${process.pid}`);
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Studio</title>');
    writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(ui, '..', `baton-secret-${process.pid}.txt`), 'top secret');
    fixture = await testServer({ uiFolder: ui });
  });
  afterAll(() => fixture.close());

  it('serves the Studio, its assets, and index.html for its pages', async () => {
    expect((await call(fixture.server, 'GET', '/')).body).toContain('<title>Studio</title>');
    const asset = await call(fixture.server, 'GET', '/assets/app.js');
    expect(asset.body).toBe('console.log(1)');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await call(fixture.server, 'GET', '/runs/run_abc')).body).toContain('<title>Studio</title>');
    expect((await call(fixture.server, 'GET', '/api/nothing')).status).toBe(404);
  });

  it('never serves a file outside the Studio folder', async () => {
    for (const path of [
      `/../baton-secret-${process.pid}.txt`,
      `/%2e%2e/baton-secret-${process.pid}.txt`,
      `/assets/%2e%2e%2f%2e%2e%2fbaton-secret-${process.pid}.txt`,
      `/..%2fbaton-secret-${process.pid}.txt`,
    ]) {
      const response = await call(fixture.server, 'GET', path);
      expect(String(response.body)).not.toContain('top secret');
    }
  });
});

describe('OpenAPI document', () => {
  it('describes every response the tests above received', async () => {
    const fixture = await testServer();
    try {
      const { body: document } = await call(fixture.server, 'GET', '/api/openapi.json');
      expect(document.openapi).toBe('3.1.0');
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      ajv.addSchema(document, 'openapi');
      const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).map(
        ([template, item]) => ({
          template,
          pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
          item,
        }),
      );
      const failures: string[] = [];
      const checked = new Set<string>();
      for (const response of seen) {
        if (!response.path.startsWith('/api/') || response.path === '/api/openapi.json') continue;
        const operation = operations.find(
          (entry) => entry.pattern.test(response.path) && response.method.toLowerCase() in entry.item,
        );
        const method = response.method.toLowerCase();
        if (!operation) {
          if (response.status !== 404 && response.status !== 413)
            failures.push(`${response.method} ${response.path}: not documented`);
          continue;
        }
        const described = (
          operation.item[method] as { responses: Record<string, { content?: Record<string, unknown> }> }
        ).responses;
        if (!described[String(response.status)]) {
          // 413 comes from the size limit before any route.
          if (response.status !== 413)
            failures.push(
              `${response.method} ${operation.template}: status ${response.status} not documented`,
            );
          continue;
        }
        checked.add(`${method} ${operation.template} ${response.status}`);
        if (!response.contentType.includes('json')) continue;
        const pointer = `openapi#/paths/${operation.template.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${response.status}/content/application~1json/schema`;
        const validate = ajv.getSchema(pointer);
        if (!validate) {
          failures.push(`${pointer}: no schema`);
          continue;
        }
        if (!validate(response.body)) {
          failures.push(
            `${response.method} ${response.path} ${response.status}: ${ajv.errorsText(validate.errors)}`,
          );
        }
      }
      expect(failures).toEqual([]);
      // Every route was exercised by some test above.
      const routes = new Set([...checked].map((entry) => entry.split(' ').slice(0, 2).join(' ')));
      const documented = operations.flatMap((entry) =>
        Object.keys(entry.item).map((method) => `${method} ${entry.template}`),
      );
      expect(documented.filter((route) => !routes.has(route) && !route.includes('webhooks'))).toEqual([]);
    } finally {
      await fixture.close();
    }
  });
});

function parseSse(text: string): Array<{ id?: string; event?: string; data?: string }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const event: { id?: string; event?: string; data?: string } = {};
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        if (field === 'id' || field === 'event' || field === 'data') event[field] = rest.join(': ');
      }
      return event;
    });
}
