import { compileExpression } from '../expressions/evaluate-expression.js';
import { templateExpressions } from '../expressions/render-template.js';
import { mappingReferences, unnamedStep } from '../expressions/step-references.js';
import type { Workflow } from './workflow.js';

type Problem = { path: Array<string | number>; message: string };

/** The workflow's `output` mapping: its templates must parse and read only steps of the top level. */
export function checkOutputMapping(workflow: Workflow, problems: Problem[]): void {
  const ids = new Set(workflow.steps.map((step) => step.id));
  const visit = (value: unknown, path: Array<string | number>) => {
    if (typeof value === 'string') {
      checkExpression(value, true, path, (field, message) => problems.push({ path: field, message }));
      let reads: Set<string>;
      try {
        reads = mappingReferences(value);
      } catch {
        return;
      }
      for (const id of reads) {
        if (id !== unnamedStep && !ids.has(id)) {
          problems.push({
            path,
            message: `The output reads steps.${id}, but there is no top-level step "${id}".`,
          });
        }
      }
    } else if (Array.isArray(value)) {
      for (const [index, entry] of value.entries()) visit(entry, [...path, index]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, entry] of Object.entries(value)) visit(entry, [...path, key]);
    }
  };
  if (workflow.output !== undefined) visit(workflow.output, ['output']);
}

/** Reports each expression of a field (each placeholder of a template) that does not parse. */
export function checkExpression(
  text: string,
  isTemplate: boolean,
  field: Array<string | number>,
  report: (field: Array<string | number>, message: string) => void,
): void {
  for (const expression of isTemplate ? templateExpressions(text) : [text]) {
    try {
      compileExpression(expression);
    } catch (error) {
      report(field, (error as Error).message);
    }
  }
}
