import type jsonata from 'jsonata';
import type { Computed } from '../ir/step.js';
import { compileExpression } from './evaluate-expression.js';
import { templateExpressions } from './render-template.js';

/** The step ids an expression reads as `steps.<id>`. */
export function expressionReferences(expression: string): Set<string> {
  const found = new Set<string>();
  visit(compileExpression(expression).ast(), found);
  return found;
}

/** The step ids a template or mapping reads through its `{{ }}` placeholders. */
export function mappingReferences(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const expression of templateExpressions(value)) {
      for (const id of expressionReferences(expression)) found.add(id);
    }
  } else if (Array.isArray(value)) {
    for (const entry of value) mappingReferences(entry, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const entry of Object.values(value)) mappingReferences(entry, found);
  }
  return found;
}

/** References of a computed value; a TypeScript function declares its dependencies with `needs`. */
export function computedReferences(value: Computed | undefined, asTemplate: boolean): Set<string> {
  if (value === undefined || typeof value !== 'string') return new Set();
  return asTemplate ? mappingReferences(value) : expressionReferences(value);
}

/** The `steps.<id>.<field>` pairs an expression reads. */
export function fieldReferences(expression: string): Array<{ id: string; field: string }> {
  const found: Array<{ id: string; field: string }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const expression = node as jsonata.ExprNode;
    if ((expression as { type: string }).type === 'path') {
      const [first, second, third] = expression.steps ?? [];
      if (
        first?.type === 'name' &&
        first.value === 'steps' &&
        second?.type === 'name' &&
        third?.type === 'name'
      )
        found.push({ id: String(second.value), field: String(third.value) });
    }
    for (const value of Object.values(expression))
      if (typeof value === 'object' && value !== null) walk(value);
  };
  walk(compileExpression(expression).ast());
  return found;
}

function visit(node: unknown, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) visit(child, found);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const expression = node as jsonata.ExprNode;
  // The typings of jsonata lack the `path` node type that its parser produces.
  if ((expression as { type: string }).type === 'path') {
    const [first, second] = expression.steps ?? [];
    if (first?.type === 'name' && first.value === 'steps' && second?.type === 'name') {
      found.add(String(second.value));
    }
  }
  for (const value of Object.values(expression)) {
    if (typeof value === 'object' && value !== null) visit(value, found);
  }
}
