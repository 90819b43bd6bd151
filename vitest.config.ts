import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Examples import Baton as users do (`from 'baton'`); tests run them against the sources.
const source = (path: string) => resolve(import.meta.dirname, 'src', path);

export default defineConfig({
  resolve: {
    alias: [
      { find: /^baton$/, replacement: source('index.ts') },
      { find: /^baton\/engine$/, replacement: source('engine.ts') },
      { find: /^baton\/testing$/, replacement: source('testing/index.ts') },
      { find: /^baton\/testing\/store-contract$/, replacement: source('testing/store-contract.ts') },
      { find: /^baton\/store\/sqlite$/, replacement: source('store/sqlite/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 20_000,
    // Set-up hooks spawn built-CLI runs; on a loaded 2-core machine 10 s is not enough for two.
    hookTimeout: 60_000,
    globalSetup: ['test/e2e/global-setup.ts'],
  },
});
