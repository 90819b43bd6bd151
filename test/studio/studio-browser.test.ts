import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pending, RunDetail, StepDetail } from '../../ui/src/api-types.ts';
import { followEvents } from '../../ui/src/event-stream.ts';
import {
  api,
  type Browser,
  chromiumPath,
  collectPageErrors,
  launchBrowser,
  type RunningServer,
  saveScreenshot,
  screenshot,
  startServer,
  waitForApi,
  workflowsFolder,
} from './studio-harness.js';

/**
 * The Studio in a real Chromium against a real `baton serve` on loopback, with mock models that
 * take their time. The tests go through the pages as a person would, and save the screenshots
 * docs/studio.md shows.
 */
if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);

let folder: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let receiver: Server;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'baton-studio-'));
  // A loopback receiver for the server's webhooks, so the Studio has deliveries to list.
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('ok'));
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const { port } = receiver.address() as AddressInfo;
  server = await startServer({
    folder: workflowsFolder,
    db: join(folder, 'baton.db'),
    env: {
      BATON_WEBHOOKS: `http://127.0.0.1:${port}/hooks/baton`,
      BATON_WEBHOOK_SECRET: 'studio-test-secret',
    },
  });
  browser = await launchBrowser();
  page = browser.page;
  page.setDefaultTimeout(30_000);
  pageErrors = collectPageErrors(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The types of a run's events from the server's stream, until the run ends. */
async function eventTypes(runId: string): Promise<string[]> {
  const types: string[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 50_000);
  await followEvents(`${server.url}/api/runs/${runId}/events`, {
    signal: controller.signal,
    onEvent: (event) => {
      types.push(event.event);
      if (event.event === 'run-end' && /"status":"(succeeded|failed|cancelled)"/.test(event.data))
        controller.abort();
    },
  });
  clearTimeout(timer);
  return types;
}

const startRun = (workflow: string, input: unknown) =>
  api<{ runId: string }>(server, 'POST', `/api/workflows/${workflow}/runs`, { input });

describe('Studio', { timeout: 60_000 }, () => {
  let briefRun = '';
  let rejectedRun = '';

  it('starts a run from the form made from the input schema, then shows its steps change state without reloading', async () => {
    await page.goto(`${server.url}/workflows/launch-brief`);
    await page.locator('.step-node[data-step="outline"]').waitFor();
    await expect(page.locator('.group-node[data-step="research"]').count()).resolves.toBe(1);
    await page.fill('[name="input.product"]', 'Baton Studio');
    await page.selectOption('[name="input.audience"]', { label: 'engineers' });
    await page.fill('[name="input.markets"]', '["EU", "US", "JP"]');
    await screenshot(page, 'workflows');
    // A reload would lose this: the run page must update itself.
    await page.evaluate('window.studioTestMarker = 42');

    await page.click('button:has-text("Start run")');
    await page.waitForURL(/\/runs\/[^/]+$/);
    briefRun = decodeURIComponent(page.url().split('/').at(-1) ?? '');
    await page.locator('.step-node.status-running').first().waitFor();

    // The panel of a running step follows it live.
    await page.locator('tr[data-path="draft"][data-status="running"]').waitFor();
    await page.click('tr[data-path="draft"] button');
    await page.locator('pre[data-streaming="draft"]').waitFor();
    await screenshot(page, 'run-live');

    await page.locator('[data-run-status="succeeded"]').waitFor();
    await page.locator('.step-node[data-step="draft"][data-status="succeeded"]').waitFor();
    await expect(page.evaluate('window.studioTestMarker')).resolves.toBe(42);
    // summary, draft, and whichever of its inputs ended last.
    await expect.poll(() => page.locator('[data-step].critical').count()).toBe(3);
    await expect(page.locator('.gantt-row[data-path^="research["]').count()).resolves.toBe(3);
    await expect(page.locator('pre[data-label="step output"]').textContent()).resolves.toMatch(/Mock answer/);
    await expect(page.locator('[data-call="model-call"]').textContent()).resolves.toMatch(/mock:writer.*\$/);
    await screenshot(page, 'step-panel');
    await page.click('button[aria-label="Close step"]');
    await page.locator('.step-panel').waitFor({ state: 'detached' });
    await screenshot(page, 'run');
    const run = await api<RunDetail>(server, 'GET', `/api/runs/${briefRun}`);
    expect(run.status).toBe('succeeded');
    expect(run.steps.filter((step) => step.status === 'succeeded').map((step) => step.path)).toContain(
      'draft',
    );
  });

  it('streams the words of a running step into its panel as the model sends them', async (context) => {
    const { runId } = await startRun('launch-brief', {
      product: 'Baton',
      audience: 'customers',
      markets: ['EU'],
    });
    // What the server streams for this run, read as a second client would.
    const streamed = eventTypes(runId);
    await page.goto(`${server.url}/runs/${runId}`);
    await page.locator('tr[data-path="draft"][data-status="running"]').waitFor();
    await page.click('tr[data-path="draft"] button');
    const samples: string[] = [];
    let picture: Buffer | undefined;
    const deadline = Date.now() + 40_000;
    while ((await page.locator('tr[data-path="draft"]').getAttribute('data-status')) === 'running') {
      if (Date.now() > deadline) throw new Error('the draft step did not end within 40 s');
      samples.push(
        ((await page.locator('pre[data-streaming="draft"]').textContent()) ?? '').replace(/▍$/, ''),
      );
      // A picture of the panel half way through the answer, kept if the server streamed at all.
      if (picture === undefined && (samples.at(-1)?.length ?? 0) > 40) picture = await page.screenshot();
      await new Promise((done) => setTimeout(done, 100));
    }
    const types = await streamed;
    expect(types).toContain('run-end');
    if (!types.includes('step-delta'))
      context.skip(
        'baton serve sent no step-delta event for the run: this build of the engine does not stream tokens',
      );
    // The text grew while the step ran, each sample carrying on the one before.
    const distinct = [...new Set(samples.filter((sample) => sample !== ''))];
    expect(distinct.length).toBeGreaterThan(2);
    if (picture) saveScreenshot('run-streaming', picture);
    for (const [index, sample] of distinct.entries())
      if (index > 0) expect(sample.startsWith(distinct[index - 1] ?? '')).toBe(true);
  });

  it('approves from the inbox: an invalid edit shows its problem and records nothing, a valid one lets the run go on', async () => {
    const { runId } = await startRun('plan-review', { task: 'Rotate the database credentials' });
    rejectedRun = (await startRun('plan-review', { task: 'Move the queue to the new cluster' })).runId;
    await waitForApi<{ approvals: Pending[] }>(
      server,
      '/api/approvals',
      (inbox) =>
        inbox.approvals.filter((pending) => [runId, rejectedRun].includes(pending.runId)).length === 2,
    );
    await page.goto(`${server.url}/approvals`);
    const card = page.locator(`.approval-card[data-run="${runId}"]`);
    await card.waitFor();
    await expect(card.locator('.instructions').textContent()).resolves.toContain(
      'Rotate the database credentials',
    );
    await expect(card.locator('.subject').textContent()).resolves.toContain('platform team');
    await screenshot(page, 'approvals');

    await card.locator('button:has-text("Edit")').click();
    await card.locator('[name="edit.plan"]').fill('Too short');
    await card.locator('button:has-text("Approve with edit")').click();
    const fieldError = card.locator('.field-invalid .field-errors');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/20|short|least/i);
    await screenshot(page, 'approval-invalid-edit');
    const still = await api<StepDetail>(server, 'GET', `/api/runs/${runId}/steps/review`);
    expect(still.calls.some((call) => call.kind === 'approval-decision')).toBe(false);
    expect((await api<RunDetail>(server, 'GET', `/api/runs/${runId}`)).status).toBe('waiting');

    await card
      .locator('[name="edit.plan"]')
      .fill('1. Issue new credentials. 2. Roll them out. 3. Revoke the old ones.');
    await card.locator('[name="comment"]').fill('Revoke last');
    await card.locator('button:has-text("Approve with edit")').click();
    await card.waitFor({ state: 'detached' });
    const done = await waitForApi<RunDetail>(
      server,
      `/api/runs/${runId}`,
      (run) => run.status === 'succeeded',
    );
    expect(done.output).toMatchObject({ status: 'completed' });

    await page.goto(`${server.url}/runs/${runId}`);
    const audit = page.locator('.audit-entry[data-path="review"]');
    await audit.locator('[data-decision="approve"]').waitFor();
    await expect(audit.textContent()).resolves.toMatch(/Approved with edits by local.*Revoke last/s);
    await expect(audit.locator('.edit-diff td.added').textContent()).resolves.toContain(
      'Revoke the old ones',
    );
    await audit.scrollIntoViewIfNeeded();
    await screenshot(page, 'audit-trail', { scrolled: true });
  });

  it('rejects from the inbox with a reason, and the run takes its rejection route', async () => {
    const runId = rejectedRun;
    expect(runId).not.toBe('');
    await page.goto(`${server.url}/approvals`);
    const card = page.locator(`.approval-card[data-run="${runId}"]`);
    await card.locator('button:has-text("Reject")').click();
    await card.locator('button[type="submit"]:has-text("Reject")').click();
    await expect(card.locator('.error').textContent()).resolves.toContain('needs a reason');
    await card.locator('[name="reason"]').fill('Not during the quarter close');
    await card.locator('button[type="submit"]:has-text("Reject")').click();
    await card.waitFor({ state: 'detached' });
    const done = await waitForApi<RunDetail>(
      server,
      `/api/runs/${runId}`,
      (run) => run.status === 'succeeded',
    );
    expect(done.output).toEqual({ status: 'rejected', reason: 'Not during the quarter close' });
  });

  it('answers a question and approves a gated tool call with other arguments from the inbox', async () => {
    const question = (await startRun('seat-count', {})).runId;
    const refund = (await startRun('refund-desk', {})).runId;
    await waitForApi<{ approvals: Pending[] }>(
      server,
      '/api/approvals',
      (inbox) => inbox.approvals.filter((pending) => [question, refund].includes(pending.runId)).length === 2,
    );
    await page.goto(`${server.url}/approvals`);
    const ask = page.locator(`.approval-card[data-run="${question}"]`);
    await expect(ask.locator('.subject').textContent()).resolves.toContain('How many seats should we order?');
    await ask.locator('[name="edit"]').fill('12');
    await ask.locator('button:has-text("Answer")').click();
    await ask.waitFor({ state: 'detached' });
    const answered = await waitForApi<RunDetail>(
      server,
      `/api/runs/${question}`,
      (run) => run.status === 'succeeded',
    );
    expect(answered.output).toEqual({ seats: '12' });

    const call = page.locator(`.approval-card[data-run="${refund}"]`);
    await expect(call.locator('.subject').textContent()).resolves.toContain('refund');
    await call.locator('button:has-text("Edit")').click();
    await call.locator('[name="edit.amount"]').fill('35');
    await call.locator('[name="edit.reason"]').fill('Broken kettle, partial refund');
    await call.locator('button:has-text("Approve with edit")').click();
    await call.waitFor({ state: 'detached' });
    await waitForApi<RunDetail>(server, `/api/runs/${refund}`, (run) => run.status === 'succeeded');
    const agent = await api<StepDetail>(server, 'GET', `/api/runs/${refund}/steps/agent`);
    expect(JSON.stringify(agent.calls)).toContain('"refunded":35');
  });

  it('forks a finished run from a step with a new prompt and shows the two runs side by side', async () => {
    expect(briefRun).not.toBe('');
    await page.goto(`${server.url}/runs/${briefRun}`);
    await page.click('tr[data-path="draft"] button');
    await page.click('button:has-text("Fork from this step")');
    await page.fill('[name="fork.prompt"]', 'Write a two-line launch note from: {{ steps.outline }}');
    await page.click('button:has-text("Start fork")');
    await page.waitForURL(/\/diff\/[^/]+\/[^/]+$/);
    const forkId = decodeURIComponent(page.url().split('/').at(-1) ?? '');
    await page.locator('[data-fork-status="succeeded"]').waitFor();
    await page.locator('.step-diff[data-path="draft"][data-changed="true"]').waitFor();
    await expect(page.locator('.step-diff[data-path="outline"]').getAttribute('data-changed')).resolves.toBe(
      'false',
    );
    await expect(page.locator('.step-diff[data-path="draft"] .deltas').textContent()).resolves.toMatch(
      /tokens [+−±].*cost [+−±].*duration [+−±]/,
    );
    await expect(page.locator('.step-diff[data-path="draft"] .line.added').count()).resolves.toBeGreaterThan(
      0,
    );
    await screenshot(page, 'diff');
    const fork = await api<RunDetail>(server, 'GET', `/api/runs/${forkId}`);
    expect(fork.parentRunId).toBe(briefRun);
  });

  it('lists the webhook deliveries: each event, its run and how the receiver answered', async () => {
    await page.goto(`${server.url}/webhooks`);
    const rows = page.locator('table.runs tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    const text = (await page.locator('table.runs tbody').textContent()) ?? '';
    expect(text).toContain('approval-requested');
    expect(text).toContain('run-ended');
    expect(text).toContain('/hooks/baton');
    expect(text).toContain('delivered');
    await screenshot(page, 'webhooks');
  });

  it('loads every script and style from the server without a Content-Security-Policy refusal', () => {
    expect(pageErrors.filter((message) => /Content Security Policy|Refused/i.test(message))).toEqual([]);
  });
});
