import type { Problem } from './api-types.ts';

/** `/plan`, `plan`, `$.steps[0].name`, `["plan"]` all become segments. */
export function problemParts(path: Problem['path'] | Array<string | number>): string[] {
  const parts = Array.isArray(path) ? path.map(String) : String(path).split(/[./[\]]+/);
  return parts.filter((part) => part !== '' && part !== '$' && part !== '(root)');
}
