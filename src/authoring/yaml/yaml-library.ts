import { createRequire } from 'node:module';

let library: typeof import('yaml') | undefined;

/**
 * The YAML library, loaded on the first workflow file read: `baton` exports the file loader, and
 * importing it must not cost a program that builds its workflows in TypeScript the parser's
 * startup time and memory.
 */
export function yamlLibrary(): typeof import('yaml') {
  library ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return library;
}
