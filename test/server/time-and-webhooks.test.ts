import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaton } from '../../src/baton.js';
import { type Clock, hashWorkflow, systemClock } from '../../src/core/index.js';
import { runFixture } from '../../src/testing/store-fixtures.js';
import { call } from './api-client.js';
import { testServer } from './server-fixture.js';

type Fixture = Awaited<ReturnType<typeof testServer>>;
const fixtures: Fixture[] = [];
const receivers: Server[] = [];

afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
  for (const receiver of receivers.splice(0)) await new Promise((resolve) => receiver.close(resolve));
});

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A clock the test moves; sleeps are real, so background waits do not move it. */
function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, sleep: systemClock.sleep, advance: (ms) => (offset += ms) };
}

const expiringYaml = `name: expiring
steps:
  - id: check
    kind: approval
    subject: { amount: 5 }
    expires: 1h
    onExpiry: approve
  - id: after
    kind: transform
    value: '"went on"'
`;

describe('the server owns time', () => {
  it('decides an approval past its deadline by its onExpiry', async () => {
    const clock = movableClock();
    const fixture = await testServer({ engine: { clock } });
    fixtures.push(fixture);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${fixture.folder}/expiring.yaml`, expiringYaml);
    await fixture.server.catalog.reload();
    const { body } = await call(fixture.server, 'POST', '/api/workflows/expiring/runs', { body: {} });
    await until(async () => (await fixture.store.getRun(body.runId))?.status === 'waiting');
    expect(await fixture.server.sweeper.sweep()).toEqual([]);
    clock.advance(2 * 60 * 60 * 1000);
    expect(await fixture.server.sweeper.sweep()).toEqual([body.runId]);
    await until(async () => (await fixture.store.getRun(body.runId))?.status === 'succeeded');
    const decision = (await fixture.store.listSubCalls(body.runId, 'check')).find(
      (entry) => entry.kind === 'approval-decision',
    );
    expect(decision?.response).toMatchObject({ action: 'approve', by: 'baton' });
  });

  it('resumes a run whose process died (its lease expired) mid-step, and leaves a run another process holds', async () => {
    const fixture = await testServer();
    fixtures.push(fixture);
    const greet = fixture.server.catalog.get('greet')?.loaded;
    if (!greet) throw new Error('greet did not load');
    const now = Date.now();
    const orphan = runFixture({
      id: 'run_orphan',
      workflowName: 'greet',
      workflowHash: hashWorkflow(greet.workflow),
      definition: greet.workflow,
      input: { name: 'Io' },
      status: 'running',
      createdAt: now - 120_000,
    });
    const held = { ...orphan, id: 'run_held' };
    await fixture.store.createRun(orphan);
    await fixture.store.createRun(held);
    // The dead process had started `hello` and was waiting to retry it.
    await fixture.store.writeStep(
      {
        runId: 'run_orphan',
        path: 'hello',
        stepId: 'hello',
        kind: 'transform',
        status: 'running',
        attempt: 1,
        startedAt: now - 100_000,
      },
      {
        runId: 'run_orphan',
        path: 'hello',
        attempt: 1,
        status: 'failed',
        startedAt: now - 100_000,
        endedAt: now - 99_000,
      },
    );
    await fixture.store.claimRun?.('run_orphan', 'dead-process', now - 60_000, now - 90_000);
    await fixture.store.claimRun?.('run_held', 'live-process', now + 60_000, now);
    expect(await fixture.server.sweeper.sweep()).toEqual(['run_orphan']);
    await until(async () => (await fixture.store.getRun('run_orphan'))?.status === 'succeeded');
    expect((await fixture.store.getRun('run_orphan'))?.output).toMatchObject({ shout: 'HELLO, IO' });
    expect((await fixture.store.getRun('run_held'))?.status).toBe('running');
  });

  it('resumes a run whose process died in a retry wait only once the wait is due', async () => {
    const clock = movableClock();
    const fixture = await testServer({ engine: { clock } });
    fixtures.push(fixture);
    const greet = fixture.server.catalog.get('greet')?.loaded;
    if (!greet) throw new Error('greet did not load');
    const now = clock.now();
    await fixture.store.createRun(
      runFixture({
        id: 'run_waiting_retry',
        workflowName: 'greet',
        workflowHash: hashWorkflow(greet.workflow),
        definition: greet.workflow,
        input: { name: 'Jo' },
        status: 'running',
        createdAt: now - 120_000,
      }),
    );
    const base = { runId: 'run_waiting_retry', time: now - 1_000 };
    await fixture.store.appendEvents('run_waiting_retry', [
      { ...base, seq: 1, type: 'run-start', workflow: 'greet', resumed: false },
      { ...base, seq: 2, type: 'step-start', path: 'hello', stepId: 'hello', kind: 'transform', attempt: 1 },
      { ...base, seq: 3, type: 'attempt-retry', path: 'hello', attempt: 1, delayMs: 60_000 },
    ]);
    await fixture.store.claimRun?.('run_waiting_retry', 'dead-process', now - 500, now - 30_500);
    expect(await fixture.server.sweeper.sweep()).toEqual([]);
    clock.advance(60_000);
    expect(await fixture.server.sweeper.sweep()).toEqual(['run_waiting_retry']);
    await until(async () => (await fixture.store.getRun('run_waiting_retry'))?.status === 'succeeded');
  });
});

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

async function receiver(answer: (index: number) => number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(answer(received.length - 1)).end();
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** The check a receiver makes, as docs/server.md shows it. */
function verify(secret: string, header: string, body: string): boolean {
  const { t, v1 } = Object.fromEntries(header.split(',').map((part) => part.split('='))) as {
    t: string;
    v1: string;
  };
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return expected.length === v1.length && timingSafeEqual(Buffer.from(expected), Buffer.from(v1));
}

describe('webhooks', () => {
  it('posts signed approval-requested, run-ended and run-failed events', async () => {
    const hook = await receiver(() => 200);
    const fixture = await testServer({ webhooks: { urls: [hook.url], secret: 'shh-secret', backoffMs: 10 } });
    fixtures.push(fixture);
    const { body } = await call(fixture.server, 'POST', '/api/workflows/review/runs', {
      body: { input: { total: 2 } },
    });
    await until(async () => hook.received.length >= 1);
    await call(fixture.server, 'POST', `/api/runs/${body.runId}/approvals/check/reject`, {
      body: { reason: 'no' },
    });
    await until(async () => hook.received.length >= 3);
    const events = hook.received.map((entry) => entry.headers['baton-event']);
    expect(events).toEqual(['approval-requested', 'run-ended', 'run-failed']);
    for (const entry of hook.received) {
      expect(verify('shh-secret', String(entry.headers['baton-signature']), entry.body)).toBe(true);
      expect(verify('other-secret', String(entry.headers['baton-signature']), entry.body)).toBe(false);
      expect(JSON.parse(entry.body)).toMatchObject({
        runId: body.runId,
        event: entry.headers['baton-event'],
      });
    }
    expect(JSON.parse(hook.received[0]?.body ?? '{}').data).toMatchObject({
      path: 'check',
      subject: { total: 2 },
    });
  });

  it('sends the events of runs other processes execute once, from the journal', async () => {
    const hook = await receiver(() => 200);
    const fixture = await testServer({ webhooks: { urls: [hook.url], secret: 'shh-secret', backoffMs: 10 } });
    fixtures.push(fixture);
    const review = fixture.server.catalog.get('review')?.loaded;
    if (!review) throw new Error('review did not load');
    // Another process (as `baton run` would) on the same journal.
    const other = createBaton({ store: fixture.store });
    const waiting = await other.run(review, { input: { total: 6 } });
    expect(waiting.status).toBe('waiting');
    // A run this server executes is announced by its own listener, and not again by the journal.
    const local = await call(fixture.server, 'POST', '/api/workflows/review/runs', {
      body: { input: { total: 1 } },
    });
    await until(async () => hook.received.length >= 1);
    await fixture.server.sweeper.sweep();
    await fixture.server.sweeper.sweep();
    await until(async () => hook.received.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const requested = hook.received.map(
      (entry) => JSON.parse(entry.body) as { event: string; runId: string },
    );
    expect(requested.map((entry) => entry.runId).sort()).toEqual([local.body.runId, waiting.runId].sort());
    expect(requested.every((entry) => entry.event === 'approval-requested')).toBe(true);
    await other.reject(waiting.runId, 'check', { reason: 'no', by: 'cli' });
    await fixture.server.sweeper.sweep();
    await until(async () => hook.received.length >= 4);
    expect(hook.received.slice(2).map((entry) => entry.headers['baton-event'])).toEqual([
      'run-ended',
      'run-failed',
    ]);
  });

  it('retries a failed delivery with backoff and logs every attempt, in a file that outlives the server', async () => {
    const hook = await receiver((index) => (index < 2 ? 503 : 200));
    const logFile = join(mkdtempSync(join(tmpdir(), 'baton-hooks-')), 'deliveries.jsonl');
    const fixture = await testServer({
      webhooks: { urls: [hook.url], secret: 'shh-secret', backoffMs: 20, logFile },
    });
    fixtures.push(fixture);
    await call(fixture.server, 'POST', '/api/workflows/review/runs', { body: { input: { total: 2 } } });
    await until(async () => hook.received.length >= 3);
    const ids = new Set(hook.received.map((entry) => entry.headers['baton-delivery']));
    expect(ids.size).toBe(1);
    await until(
      async () => (await call(fixture.server, 'GET', '/api/webhooks/deliveries')).body.deliveries.length >= 3,
    );
    const log = (await call(fixture.server, 'GET', '/api/webhooks/deliveries')).body.deliveries;
    expect(
      log.map((entry: { attempt: number; status: string; statusCode: number }) => [
        entry.attempt,
        entry.status,
        entry.statusCode,
      ]),
    ).toEqual([
      [3, 'delivered', 200],
      [2, 'retrying', 503],
      [1, 'retrying', 503],
    ]);
    const later = await testServer({ webhooks: { urls: [hook.url], secret: 'shh-secret', logFile } });
    fixtures.push(later);
    expect((await call(later.server, 'GET', '/api/webhooks/deliveries')).body.deliveries).toEqual(log);
  });
});
