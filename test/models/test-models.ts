import { join } from 'node:path';

/** The tiny GGUF model the local-model tests and the benchmark run (see `__fixtures__/README.md`). */
export const storiesModelPath = join(import.meta.dirname, '__fixtures__', 'stories260K.gguf');
