// Mutation testing of the core: `npm run test:mutation` (README, "Mutation testing"). The module
// groups below are each mutated in a run of their own, with their own incremental file, so a later
// run only retests the mutants a change touches. Equivalent mutants are in equivalent-mutants.md.

/** The module groups, each held to a mutation score of 90%. */
export const groups = {
  scheduler: ['src/core/scheduler/**/*.ts'],
  runner: ['src/core/runner/**/*.ts'],
  'approval+agent': [
    'src/core/steps/approval-step.ts',
    'src/core/steps/agent-step.ts',
    'src/core/steps/agent-tool-calls.ts',
  ],
  'sqlite-store': ['src/store/sqlite/**/*.ts'],
  'rate-limiter+resilient-model+model-cache': [
    'src/models/rate-limiter.ts',
    'src/models/resilient-model.ts',
    'src/models/model-cache.ts',
  ],
};

/**
 * The tests each group is checked against: those of its area. Code that runs outside any one test
 * (a hook, a timer that outlives its test) makes a "static" mutant, which reruns every test in
 * scope; scoped to its area that is a minute, where the whole suite would be many.
 */
export const groupTests = {
  scheduler: [
    'test/core/scheduler/**/*.test.ts',
    'test/core/runner/concurrency.test.ts',
    'test/core/steps/map-step.test.ts',
  ],
  // The backoff the runner and the model layer share is checked with the model layer's retry delays.
  runner: ['test/core/**/*.test.ts', 'test/testing/**/*.test.ts', 'test/models/retry-delay.test.ts'],
  'approval+agent': [
    'test/core/steps/**/*.test.ts',
    // The runner's tests that run approvals or agents.
    ...['budget', 'canonical-keys', 'concurrency', 'crash-in-process', 'event-stream', 'on-error-resume'].map(
      (name) => `test/core/runner/${name}.test.ts`,
    ),
    'test/core/runner/run-handles.test.ts',
    'test/core/runner/step-checks.test.ts',
  ],
  'sqlite-store': [
    'test/store/sqlite-*.test.ts',
    'test/testing/**/*.test.ts',
    'test/core/runner/concurrency.test.ts',
    'test/core/runner/crash-in-process.test.ts',
    'test/core/runner/event-stream.test.ts',
  ],
  'rate-limiter+resilient-model+model-cache': ['test/models/**/*.test.ts'],
};

const group = process.env.BATON_MUTATION_GROUP ?? 'all';
const slug = group.replace(/[^a-z0-9-]+/g, '-');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'mutation/vitest.config.ts' },
  coverageAnalysis: 'perTest',
  // Stryker rewrites tsconfig paths with the TypeScript 5 API, which TypeScript 7 no longer has; our
  // tsconfig has no `extends` or `references` to rewrite, so point it at no file.
  tsconfigFile: 'mutation/no-tsconfig-rewrite.json',
  mutate: groups[group] ?? Object.values(groups).flat(),
  // String literals are messages and names: a mutant there says nothing about behaviour.
  mutator: { excludedMutations: ['StringLiteral'] },
  incremental: true,
  incrementalFile: `reports/mutation/${slug}.incremental.json`,
  concurrency: 2,
  timeoutMS: 10_000,
  // The first run of the whole suite, with coverage, takes minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
  plugins: ['@stryker-mutator/vitest-runner', './mutation/survivor-reporter.mjs'],
  reporters: ['clear-text', 'progress', 'json', 'survivors'],
  clearTextReporter: { reportTestsForSurvivingMutants: false, reportScoreTable: true },
  jsonReporter: { fileName: `reports/mutation/${slug}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
