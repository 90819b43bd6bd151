/**
 * Stable, readable paths of step instances: `extract`, `review[3]`, `review[3]/check`,
 * `refine#2/critique`, `outer/inner`. The journal is keyed by them, so they never depend on timing.
 */

/** The path of a step inside a parent path. */
export function childPath(parent: string, stepId: string): string {
  return parent === '' ? stepId : `${parent}/${stepId}`;
}

/** The path of item `index` of a map step. */
export function itemPath(mapPath: string, index: number): string {
  return `${mapPath}[${index}]`;
}

/** The path of iteration `iteration` (1-based) of a loop step. */
export function iterationPath(loopPath: string, iteration: number): string {
  return `${loopPath}#${iteration}`;
}

/** The step id a path ends with: `review[3]/check` → `check`, `review[3]` → `review`. */
export function stepIdOf(path: string): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.replace(/(\[\d+\]|#\d+)$/, '');
}
