import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { EvalFileSchema } from './eval-file.js';

/** The shipped file, next to this script; `# yaml-language-server: $schema=` lines point here. */
export const evalSchemaFile = fileURLToPath(new URL('./eval.schema.json', import.meta.url));

/**
 * The JSON Schema of `*.eval.yaml` files, generated from the Zod schema the loader checks with.
 *
 * @example
 * ```ts
 * writeFileSync('eval.schema.json', renderEvalJsonSchema());
 * ```
 */
export function renderEvalJsonSchema(): string {
  const { $schema, ...rest } = z.toJSONSchema(EvalFileSchema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as Record<string, unknown>;
  const schema = {
    $schema,
    $id: 'urn:baton:schema:eval',
    title: 'Baton eval',
    description:
      'A Baton eval file: workflow variants over a dataset, compared with a baseline. See docs/eval.md.',
    ...rest,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(evalSchemaFile, renderEvalJsonSchema());
  console.log(`Wrote ${evalSchemaFile}`);
}
