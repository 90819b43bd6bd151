import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The suite Stryker runs against each mutant: every in-process test. Tests that spawn a CLI or a
// child process are left out, as a mutant in this process never reaches them; what they check has
// an in-process test as well. So is the timing test against a rate-limited server: it needs the
// real pace of a burst, which coverage instrumentation on a busy machine does not give.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/cli/**',
      'test/durability/**',
      'test/store/sqlite-processes.test.ts',
      'test/docs.test.ts',
      'test/docs-examples.test.ts',
      'test/architecture.test.ts',
      'test/models/models-doc.test.ts',
      'test/models/local-model.test.ts',
      'test/models/rate-limited-server.test.ts',
    ],
    testTimeout: 20_000,
  },
});
