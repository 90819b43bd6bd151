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

/** Builds dist/ from the current sources, so the test runs what it reads. */
export function buildCli(): void {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'pipe',
    },
  );
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
