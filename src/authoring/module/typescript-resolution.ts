import { registerHooks } from 'node:module';

let registered = false;

/**
 * Lets TypeScript modules be imported the way they are written. Node runs `.ts` files by
 * stripping their types, but it does not map an import of `./tools.js` to the `./tools.ts` beside
 * it, as `tsc` and bundlers do: a relative `.js` import from a TypeScript module that finds no
 * such file is retried with the TypeScript extension. Registered once per process.
 *
 * @example
 * ```ts
 * resolveTypeScriptImports();
 * await import(pathToFileURL('flows/review.ts').href); // its `import './tools.js'` finds tools.ts
 * ```
 */
export function resolveTypeScriptImports(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        const typed = /\.[cm]?ts$/.test(context.parentURL ?? '');
        const relative = /^\.{1,2}\/.*\.[cm]?js$/.test(specifier);
        if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !typed || !relative) throw error;
        return nextResolve(specifier.replace(/js$/, 'ts'), context);
      }
    },
  });
}
