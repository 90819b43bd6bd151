import { BatonError } from '../errors.js';
import type { Computed } from '../ir/step.js';
import {
  callFunction,
  type ExpressionContext,
  type ExpressionScope,
  evaluateExpression,
} from './evaluate-expression.js';

const placeholder = /\{\{([\s\S]+?)\}\}/g;
const whole = /^\s*\{\{([\s\S]+?)\}\}\s*$/;

/** The `{{ expr }}` placeholders of a template, in order. */
export function templateExpressions(template: string): string[] {
  return Array.from(template.matchAll(placeholder), (match) => (match[1] ?? '').trim());
}

/** The literal text of a template: what is left without its placeholders. */
export function templateText(template: string): string {
  return template.replace(placeholder, '');
}

/**
 * How a step renders its templates. `reads` collects the value of each placeholder (journaled
 * with the step); `required` makes a placeholder that yields nothing a `MISSING_INPUT` error.
 */
export interface TemplateContext extends ExpressionContext {
  reads?: Record<string, unknown> | undefined;
  required?: boolean | undefined;
  /** The second argument of a step's own TypeScript function (`ctx`: interrupt, once, generate). */
  code?: unknown;
}

/**
 * Renders a template. A string that is one placeholder alone yields the raw value (an object
 * stays an object); otherwise each placeholder is replaced by its text (objects as JSON).
 */
export async function renderTemplate(
  template: string,
  scope: ExpressionScope,
  context: TemplateContext = {},
): Promise<unknown> {
  const single = whole.exec(template);
  if (single?.[1] !== undefined && !single[1].includes('{{')) {
    return evaluatePlaceholder(single[1].trim(), scope, context);
  }
  if (!template.includes('{{')) return template;
  const parts = template.split(placeholder);
  let text = '';
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index] ?? '';
    if (index % 2 === 0) text += part;
    else text += toText(await evaluatePlaceholder(part.trim(), scope, context));
  }
  return text;
}

// An expression that tests for absence (`$exists(x)`, `x ?: y`, `a ? b : c`) says what to do
// without the value, so only a bare reference that yields nothing is missing.
const givesDefault = /\$exists\s*\(|\?/;

async function evaluatePlaceholder(
  expression: string,
  scope: ExpressionScope,
  context: TemplateContext,
): Promise<unknown> {
  const value = await evaluateExpression(expression, scope, context);
  // A TypeScript function's result is its own business; only references are checked and kept.
  if (expression.startsWith('$call(')) return value;
  if (context.reads) context.reads[expression] = value;
  if (value === undefined && context.required && !givesDefault.test(expression)) {
    throw new BatonError(
      'MISSING_INPUT',
      `Missing required input for step "${context.stepPath}": {{ ${expression} }} evaluates to nothing.`,
      {
        stepPath: context.stepPath,
        details: { reference: expression },
        hint: `Check that the step or input it names produced that field (\`baton show <run> --step <id>\`), give a default (\`{{ ${expression} ?: "none" }}\`), or set \`allowMissing: true\` on the step.`,
      },
    );
  }
  return value;
}

/** Renders a mapping: strings are templates, arrays and objects are walked, anything else is kept. */
export async function renderMapping(
  value: unknown,
  scope: ExpressionScope,
  context: TemplateContext = {},
): Promise<unknown> {
  if (typeof value === 'string') return renderTemplate(value, scope, context);
  if (Array.isArray(value)) return Promise.all(value.map((entry) => renderMapping(entry, scope, context)));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      // Defined, not assigned: a key named `__proto__` is data, never the object's prototype.
      Object.defineProperty(out, key, {
        value: await renderMapping(entry, scope, context),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * Computes a `Computed` value: a registered function, or else a template (`asTemplate`) or an
 * expression.
 */
export async function computeValue(
  value: Computed,
  scope: ExpressionScope,
  context: TemplateContext & { asTemplate: boolean },
): Promise<unknown> {
  if (typeof value !== 'string')
    return callFunction(context.functions ?? {}, value.function, scope, context.stepPath, context.code);
  return context.asTemplate
    ? renderTemplate(value, scope, context)
    : evaluateExpression(value, scope, context);
}

function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
