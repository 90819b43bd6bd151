import {
  computedReferences,
  expressionReferences,
  mappingReferences,
} from '../expressions/step-references.js';
import type { Step } from './step.js';

/**
 * The step ids a step reads through its expressions and templates, including what the steps
 * inside a map or loop read from outside it.
 */
export function stepReferences(step: Step): Set<string> {
  const found = new Set<string>();
  const add = (ids: Iterable<string>) => {
    for (const id of ids) found.add(id);
  };
  if (step.when !== undefined) add(expressionReferences(step.when));
  // A check that compares the output with another step's waits for that step.
  add(computedReferences(step.validate, false));
  switch (step.kind) {
    case 'transform':
      add(computedReferences(step.value, false));
      break;
    case 'llm':
    case 'agent':
      add(computedReferences(step.prompt, true));
      add(computedReferences(step.system, true));
      add(eitherReferences(step.messages));
      if (step.kind !== 'agent') break;
      add(eitherReferences(step.tools));
      add(mappingReferences(step.state?.on));
      add(mappingReferences(step.guard));
      add(mappingReferences(step.approve));
      break;
    case 'tool':
    case 'workflow':
      add(mappingReferences(step.input));
      break;
    case 'approval':
      add(mappingReferences(step.subject));
      break;
    case 'branch':
      for (const route of Object.values(step.routes)) {
        if (route.when !== undefined) add(expressionReferences(route.when));
      }
      if (step.classify) {
        add(computedReferences(step.classify.prompt, true));
        add(computedReferences(step.classify.system, true));
      }
      break;
    case 'map':
    case 'loop': {
      add(computedReferences(step.kind === 'map' ? step.items : step.until, false));
      add(computedReferences(step.result, false));
      const inner = new Set(step.steps.map((child) => child.id));
      for (const child of step.steps) {
        for (const id of stepReferences(child)) if (!inner.has(id)) found.add(id);
      }
      // `until` and `result` read the steps of the iteration itself.
      for (const id of inner) found.delete(id);
      break;
    }
  }
  return found;
}

/** A field that is a template (with `{{ }}`), a bare expression, or a mapping of templates. */
function eitherReferences(value: unknown): Set<string> {
  if (typeof value === 'string' && !value.includes('{{')) return expressionReferences(value);
  return mappingReferences(value);
}

/** The `input.<field>` names a step reads. */
export function inputReferences(expressionOrTemplate: string, isTemplate: boolean): string[] {
  const text = isTemplate ? expressionOrTemplate : `{{${expressionOrTemplate}}}`;
  return Array.from(text.matchAll(/\{\{[\s\S]*?\}\}/g)).flatMap((match) =>
    Array.from(match[0].matchAll(/(?<![\w.$])input\.([A-Za-z_][A-Za-z0-9_]*)/g), (field) => field[1] ?? ''),
  );
}
