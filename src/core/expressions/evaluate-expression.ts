import { createRequire } from 'node:module';
import type jsonata from 'jsonata';
import { BatonError } from '../errors.js';

// JSONata is loaded on the first expression: a workflow of TypeScript functions never pays for it.
let jsonataModule: typeof jsonata | undefined;
function parseJsonata(expression: string): jsonata.Expression {
  jsonataModule ??= createRequire(import.meta.url)('jsonata') as typeof jsonata;
  return jsonataModule(expression);
}

/** What expressions and templates can read: `{ input, steps, item, index, iteration, previous, error, run }`. */
export type ExpressionScope = Record<string, unknown>;

/** Where an expression is evaluated: the step (for errors) and the functions `$call(name)` reaches. */
export interface ExpressionContext {
  stepPath?: string | undefined;
  functions?: Readonly<Record<string, (scope: never, context?: never) => unknown>> | undefined;
}

const compiled = new Map<string, jsonata.Expression>();

/** Parses a JSONata expression once per process; a syntax error becomes `EXPRESSION_FAILED`. */
export function compileExpression(expression: string, stepPath?: string): jsonata.Expression {
  let parsed = compiled.get(expression);
  if (parsed === undefined) {
    try {
      parsed = parseJsonata(expression);
    } catch (error) {
      const { message, position } = error as { message: string; position?: number };
      throw new BatonError('EXPRESSION_FAILED', `Cannot parse expression \`${expression}\`: ${message}`, {
        cause: error,
        stepPath,
        hint: 'Expressions are JSONata (https://docs.jsonata.org); check the character at the position given.',
        details: { expression, position },
      });
    }
    compiled.set(expression, parsed);
  }
  return parsed;
}

/** Evaluates a JSONata expression against a scope. JSONata's "no match" is `undefined`. */
export async function evaluateExpression(
  expression: string,
  scope: ExpressionScope,
  context: ExpressionContext = {},
): Promise<unknown> {
  const { stepPath, functions } = context;
  const parsed = compileExpression(expression, stepPath);
  // `$call("name")` runs a registered TypeScript function over the same scope.
  const bindings = functions
    ? { call: (name: string) => callFunction(functions, name, scope, stepPath) }
    : undefined;
  try {
    return normalize(await parsed.evaluate(scope, bindings));
  } catch (error) {
    throw new BatonError(
      'EXPRESSION_FAILED',
      `Expression \`${expression}\` failed: ${(error as Error).message}`,
      {
        cause: error,
        stepPath,
        hint: 'Check the names it reads against the step outputs (`baton show <run> --step <id>`).',
        details: { expression },
      },
    );
  }
}

/** Runs a registered function over the scope, with a clear error when it is missing. */
export function callFunction(
  functions: NonNullable<ExpressionContext['functions']>,
  name: string,
  scope: ExpressionScope,
  stepPath: string | undefined,
  code?: unknown,
): unknown {
  const fn = functions[name];
  if (fn === undefined) {
    throw new BatonError('FUNCTION_NOT_FOUND', `Function "${name}" is not registered.`, {
      stepPath,
      hint: 'Define it in the workflow module, or pass it in `functions` when you run the workflow.',
    });
  }
  return code === undefined ? fn(scope as never) : fn(scope as never, code as never);
}

// JSONata marks the arrays it builds with a `sequence` flag; plain arrays keep outputs comparable.
function normalize(value: unknown): unknown {
  if (Array.isArray(value) && (value as { sequence?: boolean }).sequence) return Array.from(value, normalize);
  return value;
}
