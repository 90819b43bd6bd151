import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { groupTests } from './stryker.config.mjs';

// The suite Stryker runs against each mutant: the in-process tests of the group being mutated
// (stryker.config.mjs), or every in-process test for a run of chosen files. Tests that spawn a CLI or a
// child process are left out, as a mutant in this process never reaches them; what they check has
// an in-process test as well. So is the timing test against a rate-limited server: it needs the
// real pace of a burst, which coverage instrumentation on a busy machine does not give. The fuzz
// tests run 2,000 generated workflows through the whole engine: every mutant of the core would
// rerun them for minutes, and what they find (stack traces, hangs) has focused tests of its own.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: groupTests[process.env.BATON_MUTATION_GROUP as keyof typeof groupTests] ?? ['test/**/*.test.ts'],
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
      'test/fuzz/**',
    ],
    testTimeout: 20_000,
  },
});
