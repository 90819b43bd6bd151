import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const root = resolve(import.meta.dirname, '../..');
const cacheDirectory = join(root, 'node_modules/.cache');
export const buildStamp = join(cacheDirectory, 'baton-test-build.done');
export const buildLock = join(cacheDirectory, 'baton-test-build.lock');
/** The built CLI, as `npm run baton` and the installed `baton` run it. */
export const binPath = join(root, 'dist/cli/bin.js');

/**
 * Builds `dist/` once per test run, whichever test file asks first; the others wait. The built
 * package is what users run, and examples resolve `baton` to it through the package's own name.
 */
export async function ensureBuilt(): Promise<void> {
  mkdirSync(cacheDirectory, { recursive: true });
  for (;;) {
    if (existsSync(buildStamp)) return;
    try {
      mkdirSync(buildLock);
    } catch {
      await sleep(100);
      continue;
    }
    try {
      if (!existsSync(buildStamp)) {
        // Files of removed sources would otherwise ship.
        rmSync(join(root, 'dist'), { recursive: true, force: true });
        execFileSync(
          process.execPath,
          [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
          {
            cwd: root,
            stdio: 'pipe',
          },
        );
        // The Studio ships in the package too (`dist/ui`), as `npm run build` makes it: React's
        // production build, whatever NODE_ENV the test runner set.
        execFileSync(
          process.execPath,
          [join(root, 'node_modules/vite/bin/vite.js'), 'build', 'ui', '--logLevel', 'warn'],
          { cwd: root, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } },
        );
        writeFileSync(buildStamp, new Date().toISOString());
      }
    } finally {
      rmSync(buildLock, { recursive: true, force: true });
    }
    return;
  }
}
