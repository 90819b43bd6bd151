import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CliResult, cliEnvironment, makeWorkspace } from './cli-harness.js';

/** The CLI as users run it: `dist/cli/main.js` under plain Node, no TypeScript loader. */

const root = resolve(import.meta.dirname, '../..');
export const builtMain = join(root, 'dist/cli/main.js');

function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/. */
export function ensureBuilt(): void {
  if (existsSync(builtMain) && statSync(builtMain).mtimeMs >= newestSource(join(root, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}

/**
 * A workspace like an app with Baton installed: `node_modules/baton` is this package (its
 * `exports` point at dist/) and `node_modules/zod` the version it uses.
 */
export function makeApp(files: Record<string, string>): string {
  const cwd = makeWorkspace(files);
  mkdirSync(join(cwd, 'node_modules'));
  symlinkSync(root, join(cwd, 'node_modules/baton'), 'dir');
  symlinkSync(join(root, 'node_modules/zod'), join(cwd, 'node_modules/zod'), 'dir');
  return cwd;
}

/**
 * A fresh app with the packed package installed: `npm pack` of this package unpacked into
 * `node_modules/baton`, beside links to the packages it depends on (no download).
 */
export function makePackedApp(files: Record<string, string>): string {
  const cwd = makeWorkspace(files);
  const modules = join(cwd, 'node_modules');
  mkdirSync(join(modules, 'baton'), { recursive: true });
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', cwd], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['-xzf', join(cwd, packed), '-C', join(modules, 'baton'), '--strip-components=1']);
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry.startsWith('.') || entry === 'baton') continue;
    symlinkSync(join(root, 'node_modules', entry), join(modules, entry), 'dir');
  }
  return cwd;
}

/** Runs the built CLI to its end. */
export function runBuiltCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; main?: string },
): Promise<CliResult> {
  const child = spawn(process.execPath, [options.main ?? builtMain, ...args], {
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
