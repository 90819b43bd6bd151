import type { StepDefinition } from './api-types.ts';

/** The definition of a step by id, wherever it is nested (map, loop and branch bodies included). */
export function findStepDefinition(value: unknown, stepId: string): StepDefinition | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findStepDefinition(item, stepId);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.id === stepId && typeof record.kind === 'string') return record as StepDefinition;
  for (const child of Object.values(record)) {
    if (typeof child !== 'object' || child === null) continue;
    const found = findStepDefinition(child, stepId);
    if (found) return found;
  }
  return undefined;
}
