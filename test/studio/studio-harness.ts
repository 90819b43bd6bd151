import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { binPath, ensureBuilt, root } from '../e2e/build-once.js';

/** Debian's Chromium; the tests never download a browser. */
export const chromiumPath = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
export const workflowsFolder = resolve(import.meta.dirname, 'workflows');
export const imagesFolder = join(root, 'docs/images');

export interface RunningServer {
  url: string;
  /** Everything the server printed, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * Starts the built `baton serve` on a loopback port with no provider configured (every model is
 * the mock, agents with tools included: `--mock`), its journal at `db`, and waits until
 * `/api/health` answers.
 */
export async function startServer(options: {
  folder: string;
  db: string;
  /** More environment for the server, e.g. `BATON_SERVER_TOKENS`. */
  env?: Record<string, string>;
}): Promise<RunningServer> {
  await ensureBuilt();
  const port = await freePort();
  const env: Record<string, string> = {};
  // No provider key may reach the server: every model answers from the mock, offline.
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !/_API_KEY$|^BATON_SERVER_TOKENS$/.test(key)) env[key] = value;
  Object.assign(env, options.env);
  const child: ChildProcess = spawn(
    process.execPath,
    [binPath, 'serve', options.folder, '--mock', '--port', String(port), '--db', options.db],
    { cwd: join(options.db, '..'), env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`baton serve exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`baton serve did not answer within 30 s:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium in a throwaway profile, with nothing that reaches past loopback. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'baton-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves what the page shows as docs/images/studio-<name>.png, for docs/studio.md; from its top unless told. */
export async function screenshot(
  page: Page,
  name: string,
  options: { scrolled?: boolean } = {},
): Promise<void> {
  mkdirSync(imagesFolder, { recursive: true });
  if (!options.scrolled) await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(imagesFolder, `studio-${name}.png`), fullPage: false });
}

/** Saves a picture taken earlier as docs/images/studio-<name>.png. */
export function saveScreenshot(name: string, picture: Buffer): void {
  mkdirSync(imagesFolder, { recursive: true });
  writeFileSync(join(imagesFolder, `studio-${name}.png`), picture);
}

/** Errors the page logged or threw: a Content-Security-Policy refusal shows up here too. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

export async function api<T>(
  server: RunningServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Polls the API until `check` holds for what it returns (runs end in the background). */
export async function waitForApi<T>(
  server: RunningServer,
  path: string,
  check: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await api<T>(server, 'GET', path);
    if (check(last)) return last;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${path} did not reach the expected state; last answer: ${JSON.stringify(last)}`);
}
