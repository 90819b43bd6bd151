import { join } from 'node:path';

/**
 * The tiny GGUF model the local-model tests and the benchmark run: the shared test models sit in
 * `shared/models/` beside the repository (`BATON_TEST_MODELS` points elsewhere).
 */
const modelDirectory =
  process.env.BATON_TEST_MODELS ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'models');

export const storiesModelPath = join(modelDirectory, 'stories260K.gguf');

/** Random weights and the Llama 2 tokenizer: gibberish that never ends its turn. */
export const randomModelPath = join(modelDirectory, 'llama-2-tiny-random.gguf');
