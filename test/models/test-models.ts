import { join } from 'node:path';

/**
 * The tiny GGUF model the local-model tests and the benchmark run: the shared test models sit in
 * `shared/models/` beside the repository (`BATON_TEST_MODELS` points elsewhere).
 */
export const storiesModelPath = join(
  process.env.BATON_TEST_MODELS ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'models'),
  'stories260K.gguf',
);
