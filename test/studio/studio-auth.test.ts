import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../ui/src/api-types.ts';
import {
  type Browser,
  launchBrowser,
  type RunningServer,
  startServer,
  workflowsFolder,
} from './studio-harness.js';

/** The Studio on a server that requires tokens: it asks for one, keeps it in the tab, and shows what the role allows. */
const viewerToken = 'viewer-token-0123456789';
const operatorToken = 'operator-token-0123456789';

let folder: string;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'baton-studio-auth-'));
  server = await startServer({
    folder: workflowsFolder,
    db: join(folder, 'baton.db'),
    env: { BATON_SERVER_TOKENS: `vera:viewer:${viewerToken},otto:operator:${operatorToken}` },
  });
  browser = await launchBrowser();
  browser.page.setDefaultTimeout(30_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

async function operatorApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as T;
}

async function useToken(token: string): Promise<void> {
  const { page } = browser;
  const dialog = page.locator('form.token-dialog');
  if (!(await dialog.isVisible())) await page.click('header.top button:has-text("token")');
  await dialog.locator('input').fill(token);
  await dialog.locator('button[type="submit"]').click();
  await dialog.waitFor({ state: 'detached' });
}

describe('Studio with tokens', () => {
  it('asks for a token, keeps it for the tab only, and shows a viewer no action', {
    timeout: 60_000,
  }, async () => {
    const { page, context } = browser;
    const { runId } = await operatorApi<{ runId: string }>('POST', '/api/workflows/plan-review/runs', {
      input: { task: 'Rotate the keys' },
    });
    await page.goto(`${server.url}/workflows/plan-review`);
    await page.locator('form.token-dialog').waitFor();
    await useToken(viewerToken);
    await page.locator('header.top .me:has-text("vera")').waitFor();
    await expect(page.locator('header.top .role').textContent()).resolves.toBe('viewer');
    await expect(page.evaluate("sessionStorage.getItem('baton.token')")).resolves.toBe(viewerToken);
    expect(await context.cookies()).toEqual([]);
    await page.locator('.step-node[data-step="plan"]').waitFor();
    await expect(page.locator('button:has-text("Start run")').isDisabled()).resolves.toBe(true);

    // The event stream needs the token too: the live light turns on only when it connects.
    await page.goto(`${server.url}/runs/${runId}`);
    await page.locator('[data-run-status="waiting"]').waitFor();
    await page.locator('.live-light.on').waitFor();
    await expect(page.locator('button:has-text("Cancel")').count()).resolves.toBe(0);
    await expect(page.locator('.approval-card').textContent()).resolves.toContain('needs the approver role');
  });

  it('lets an operator cancel a waiting run from its page', { timeout: 60_000 }, async () => {
    const { page } = browser;
    const { runId } = await operatorApi<{ runId: string }>('POST', '/api/workflows/plan-review/runs', {
      input: { task: 'Drop the old tables' },
    });
    await page.goto(`${server.url}/runs/${runId}`);
    await page.locator('[data-run-status="waiting"]').waitFor();
    await useToken(operatorToken);
    await page.locator('header.top .role:has-text("operator")').waitFor();
    await page.click('button:has-text("Cancel")');
    await page.locator('[data-run-status="cancelled"]').waitFor();
    const run = await operatorApi<RunDetail>('GET', `/api/runs/${runId}`);
    expect(run.status).toBe('cancelled');
  });
});
