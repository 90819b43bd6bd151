import { createRequire } from 'node:module';

let library: typeof import('yaml') | undefined;

/** The YAML library, loaded when the first `baton.config.yaml` is read, not when `baton` is imported. */
export function yamlLibrary(): typeof import('yaml') {
  library ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return library;
}
