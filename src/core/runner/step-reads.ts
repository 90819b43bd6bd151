import type { Step } from '../ir/step.js';
import { stepReferences } from '../ir/step-references.js';

/** Each step's references as [step id, key in `reads`], the keys built once: a run builds `reads` per step. */
const referenced = new WeakMap<Step, Array<[id: string, key: string]>>();

/**
 * The values a step reads, by reference: `steps.<id>` for each step it reads (by expression or
 * `needs`), and each `{{ }}` placeholder as it renders. Journaled with the step's input, so a
 * failed step shows what it saw; a large value is stored once, shared with the step that made it.
 */
export function readsOf(step: Step, scope: { steps: Record<string, unknown> }): Record<string, unknown> {
  let references = referenced.get(step);
  if (references === undefined) {
    const ids = new Set([...(step.needs ?? []), ...safeReferences(step)]);
    references = [...ids].map((id) => [id, `steps.${id}`]);
    referenced.set(step, references);
  }
  const reads: Record<string, unknown> = {};
  for (const [id, key] of references) if (id in scope.steps) reads[key] = scope.steps[id];
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
