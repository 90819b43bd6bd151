import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workflow } from '../../src/core/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import {
  type Browser,
  launchBrowser,
  type RunningServer,
  screenshot,
  startServer,
  workflowsFolder,
} from './studio-harness.js';

/** The runs list over a journal of 10,000 runs, written straight into SQLite before the server starts. */
const total = 10_000;
const runId = (index: number) => `run_seed_${String(index).padStart(5, '0')}`;
const start = Date.UTC(2026, 10, 1);
const definition = {
  name: 'nightly-report',
  steps: [{ id: 'write', kind: 'llm', prompt: 'Report' }],
} as unknown as Workflow;

let folder: string;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'baton-studio-runs-'));
  const db = join(folder, 'baton.db');
  const store = createSqliteStore({ path: db });
  await Promise.all(
    Array.from({ length: total }, (_, index) =>
      store.createRun({
        id: runId(index),
        workflowName: index % 4 === 1 ? 'plan-review' : 'launch-brief',
        workflowHash: 'seeded',
        definition,
        input: { night: index },
        status: index % 10 === 3 ? 'failed' : 'succeeded',
        createdAt: start + index * 60_000,
        endedAt: start + index * 60_000 + 1_000 + (index % 50) * 100,
        usage: { inputTokens: 1_000 + index, outputTokens: 400, cachedInputTokens: 0 },
        costUsd: 0.002 + (index % 7) / 1000,
      }),
    ),
  );
  await store.close?.();
  server = await startServer({ folder: workflowsFolder, db });
  browser = await launchBrowser();
  browser.page.setDefaultTimeout(30_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

describe('Studio runs list', () => {
  it('pages through 10,000 runs newest first and filters them by status and workflow', {
    timeout: 90_000,
  }, async () => {
    const { page } = browser;
    await page.goto(`${server.url}/runs`);
    const rows = page.locator('table.runs tbody tr');
    await page.locator(`tr[data-run="${runId(total - 1)}"]`).waitFor();
    expect(await rows.count()).toBe(50);
    await expect(rows.first().getAttribute('data-run')).resolves.toBe(runId(total - 1));
    await screenshot(page, 'runs');

    // Text search: ten run ids start with run_seed_0999.
    await page.fill('input[name="q"]', 'run_seed_0999');
    await page.press('input[name="q"]', 'Enter');
    await expect
      .poll(() => rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-run'))))
      .toEqual(Array.from({ length: 10 }, (_, index) => runId(9999 - index)));
    await page.fill('input[name="q"]', '');
    await page.press('input[name="q"]', 'Enter');
    await page.locator(`tr[data-run="${runId(total - 50)}"]`).waitFor();

    await page.click('button:has-text("Older")');
    await page.locator(`tr[data-run="${runId(total - 51)}"]`).waitFor();
    await expect(rows.first().getAttribute('data-run')).resolves.toBe(runId(total - 51));
    await expect(page.locator('.pager').textContent()).resolves.toContain('Page 2');
    await page.click('button:has-text("Newer")');
    await page.locator(`tr[data-run="${runId(total - 1)}"]`).waitFor();

    await page.selectOption('select[name="status"]', 'failed');
    // The newest run did not fail: once its row is gone the filtered page is the one shown.
    await page.locator(`tr[data-run="${runId(total - 1)}"]`).waitFor({ state: 'detached' });
    await page.locator(`tr[data-run="${runId(total - 7)}"]`).waitFor();
    const statuses = await rows.evaluateAll((elements) =>
      elements.map((element) => element.getAttribute('data-status')),
    );
    expect(statuses).toHaveLength(50);
    expect(new Set(statuses)).toEqual(new Set(['failed']));

    await page.selectOption('select[name="workflow"]', 'plan-review');
    // Failed runs are those with index % 10 === 3, plan-review runs those with index % 4 === 1.
    await expect
      .poll(async () =>
        rows.evaluateAll((elements) =>
          elements.map((element) => Number(element.getAttribute('data-run')?.slice('run_seed_'.length))),
        ),
      )
      .toSatisfy(
        (indexes: number[]) =>
          indexes.length > 0 && indexes.every((index) => index % 4 === 1 && index % 10 === 3),
      );
  });
});
