import { createHash } from 'node:crypto';
import type { Step } from '../ir/step.js';
import { stepReferences } from '../ir/step-references.js';
import { canonicalJson } from './canonical-json.js';
import type { Frame } from './run-state.js';

/** sha256 of a value as canonical JSON: equal content, equal key. */
export function contentKey(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * The cache key of a step: its definition, the TypeScript functions it names (by source), and
 * everything in scope it can read (the run input, the outputs of the steps it reads, the item,
 * iteration or error it runs for).
 */
export function stepCacheKey(step: Step, scope: Frame['scope'], functions: Frame['functions']): string {
  const reads = step.needs ?? [...stepReferences(step)];
  const steps: Record<string, unknown> = {};
  for (const id of reads) if (Object.hasOwn(scope.steps, id)) steps[id] = scope.steps[id];
  const named = canonicalJson(step).match(/"function":"[^"]*"/g) ?? [];
  const sources = named.map((entry) => {
    const name = JSON.parse(`{${entry}}`).function as string;
    return [name, String(Object.hasOwn(functions, name) ? functions[name] : '')];
  });
  const { input, item, index, iteration, previous, error } = scope;
  return contentKey({ kind: 'step', step, sources, input, steps, item, index, iteration, previous, error });
}
