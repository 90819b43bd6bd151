import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';

/**
 * A script beside a workflow file with the same name (`review.yaml` → `review.ts`), which is not
 * loaded unless the workflow names it: the CLI says so, since earlier versions loaded it.
 *
 * @example
 * ```ts
 * unnamedModuleNote('flows/review.yaml'); // 'flows/review.ts beside flows/review.yaml is not loaded: …'
 * ```
 */
export function unnamedModuleNote(workflowFile: string): string | undefined {
  const stem = join(dirname(workflowFile), basename(workflowFile, extname(workflowFile)));
  const beside = ['.ts', '.mts', '.js', '.mjs'].map((extension) => stem + extension).find(existsSync);
  if (beside === undefined) return undefined;
  const name = relative(dirname(workflowFile), beside);
  return `${beside} beside ${workflowFile} is not loaded: name it with \`module: ./${name}\` to use its functions and tools.`;
}
