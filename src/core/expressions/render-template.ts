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

/**
 * Renders a template. A string that is one placeholder alone yields the raw value (an object
 * stays an object); otherwise each placeholder is replaced by its text (objects as JSON).
 */
export async function renderTemplate(
  template: string,
  scope: ExpressionScope,
  context: ExpressionContext = {},
): Promise<unknown> {
  const single = whole.exec(template);
  if (single?.[1] !== undefined && !single[1].includes('{{')) {
    return evaluateExpression(single[1].trim(), scope, context);
  }
  if (!template.includes('{{')) return template;
  const parts = template.split(placeholder);
  let text = '';
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index] ?? '';
    if (index % 2 === 0) text += part;
    else text += toText(await evaluateExpression(part.trim(), scope, context));
  }
  return text;
}

/** Renders a mapping: strings are templates, arrays and objects are walked, anything else is kept. */
export async function renderMapping(
  value: unknown,
  scope: ExpressionScope,
  context: ExpressionContext = {},
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
  context: ExpressionContext & { asTemplate: boolean },
): Promise<unknown> {
  if (typeof value !== 'string')
    return callFunction(context.functions ?? {}, value.function, scope, context.stepPath);
  return context.asTemplate
    ? renderTemplate(value, scope, context)
    : evaluateExpression(value, scope, context);
}

function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
