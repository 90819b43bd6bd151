import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerApp, type ServerApp } from '../../src/server/app.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { dropTestStore, openTestStore } from '../store/postgres-fixture.js';
import { call } from './api-client.js';
import { greetYaml, reviewYaml } from './server-fixture.js';

describe('the HTTP API on a PostgreSQL journal', () => {
  let store: PostgresStore;
  let server: ServerApp;
  let folder: string;
  beforeAll(async () => {
    store = await openTestStore(import.meta.filename);
    folder = mkdtempSync(join(tmpdir(), 'baton-server-pg-'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'greet.yaml'), greetYaml);
    writeFileSync(join(folder, 'review.yaml'), reviewYaml);
    server = await createServerApp({ store, folder, sweepIntervalMs: false });
  });
  afterAll(async () => {
    await server.close();
    await dropTestStore(store);
    rmSync(folder, { recursive: true, force: true });
  });

  async function until(runId: string, status: string): Promise<void> {
    for (let tries = 0; tries < 500 && (await store.getRun(runId))?.status !== status; tries++)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }

  it('starts, lists, approves and streams a run', async () => {
    const { body } = await call(server, 'POST', '/api/workflows/review/runs', {
      body: { input: { total: 9 } },
    });
    await until(body.runId, 'waiting');
    const inbox = (await call(server, 'GET', '/api/approvals')).body.approvals;
    expect(inbox.map((item: { runId: string }) => item.runId)).toContain(body.runId);
    expect(
      (await call(server, 'POST', `/api/runs/${body.runId}/approvals/check/approve`, { body: {} })).status,
    ).toBe(200);
    await until(body.runId, 'succeeded');
    const page = await call(server, 'GET', '/api/runs?limit=1&workflow=review');
    expect(page.body.runs[0]).toMatchObject({ id: body.runId, status: 'succeeded' });
    const stream = String((await call(server, 'GET', `/api/runs/${body.runId}/events?after=2`)).body);
    expect(stream).toContain('event: approval-response');
    expect(stream).not.toMatch(/^id: [12]$/m);
  });
});
