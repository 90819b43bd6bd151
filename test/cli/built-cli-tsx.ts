import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CliResult, cliEnvironment } from './cli-harness.js';

/**
 * Runs `baton` as users run it: the built `dist/cli/main.js`, in its own process. The tsx loader
 * is there only so that the example workflows' TypeScript tool modules (which import the
 * sources) load; the CLI itself is the built one.
 */

const tsxLoader = import.meta.resolve('tsx');
const root = resolve(import.meta.dirname, '../..');
export const builtMain = join(root, 'dist/cli/main.js');

/**
 * Builds dist/ from the current sources, so the test runs what it reads. Test files run in
 * parallel workers: a lock directory lets one build while the others wait, and a stamp newer
 * than every source file lets them skip building again.
 */
export function buildCli(): void {
  const lock = join(root, 'dist.build-lock');
  const stamp = join(root, 'dist', '.built');
  const waitUntil = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed process is taken over after the wait.
      if (Date.now() > waitUntil) break;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (existsSync(stamp) && statSync(stamp).mtimeMs > newestSource(join(root, 'src'))) return;
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
    writeFileSync(stamp, new Date().toISOString());
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export function runBuiltCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', tsxLoader, builtMain, ...args], {
    cwd: options.cwd,
    env: cliEnvironment(options.cwd, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}
