import type { Step } from '../ir/step.js';
import { stepReferences } from '../ir/step-references.js';

const referenced = new WeakMap<Step, string[]>();

/**
 * The values a step reads, by reference: `steps.<id>` for each step it reads (by expression or
 * `needs`), and each `{{ }}` placeholder as it renders. Journaled with the step's input, so a
 * failed step shows what it saw; a large value is stored once, shared with the step that made it.
 */
export function readsOf(step: Step, scope: { steps: Record<string, unknown> }): Record<string, unknown> {
  let ids = referenced.get(step);
  if (ids === undefined) {
    ids = [...new Set([...(step.needs ?? []), ...safeReferences(step)])];
    referenced.set(step, ids);
  }
  const reads: Record<string, unknown> = {};
  for (const id of ids) if (id in scope.steps) reads[`steps.${id}`] = scope.steps[id];
  return reads;
}

/** The step's input with what it read added as `reads`; unchanged when it read nothing. */
export function withReads(input: unknown, reads: Record<string, unknown>): unknown {
  if (Object.keys(reads).length === 0) return input;
  if (input === undefined) return { reads };
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return { ...input, reads };
  return { value: input, reads };
}

// A step whose expressions do not parse fails when it evaluates them, with that error.
function safeReferences(step: Step): Set<string> {
  try {
    return stepReferences(step);
  } catch {
    return new Set();
  }
}
