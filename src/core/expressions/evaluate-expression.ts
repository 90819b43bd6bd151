import { createRequire } from 'node:module';
import type jsonata from 'jsonata';
import { BatonError, toBatonError } from '../errors.js';
import {
  boundBinding,
  defaultExpressionLimits,
  type EvaluationBound,
  type ExpressionLimits,
  enterNode,
} from './expression-limits.js';
import { LinearRegExp } from './linear-regexp.js';

// JSONata is loaded on the first expression: a workflow of TypeScript functions never pays for it.
let jsonataModule: typeof jsonata | undefined;
function parseJsonata(expression: string): jsonata.Expression {
  jsonataModule ??= createRequire(import.meta.url)('jsonata') as typeof jsonata;
  const parsed = jsonataModule(expression, { RegexEngine: LinearRegExp as unknown as RegExpConstructor });
  checkRegexes(parsed.ast());
  parsed.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, enterNode);
  return parsed;
}

/** What expressions and templates can read: `{ input, steps, item, index, iteration, previous, error, run }`. */
export type ExpressionScope = Record<string, unknown>;

/** Where an expression is evaluated: the step (for errors) and the functions `$call(name)` reaches. */
export interface ExpressionContext {
  stepPath?: string | undefined;
  functions?: Readonly<Record<string, (scope: never, context?: never) => unknown>> | undefined;
  /** The step's signal: when it aborts (timeout, cancel), a running evaluation stops with its reason. */
  signal?: AbortSignal | undefined;
  /** Time and depth bounds; {@link defaultExpressionLimits} unless the engine was given others. */
  limits?: ExpressionLimits | undefined;
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
  const { stepPath, functions, signal } = context;
  const parsed = compileExpression(expression, stepPath);
  const limits = context.limits ?? defaultExpressionLimits;
  const now = Date.now();
  const bound: EvaluationBound = {
    expression,
    stepPath,
    limits,
    signal,
    deadline: now + limits.timeoutMs,
    yieldedAt: now,
    nodes: 0,
  };
  const bindings: Record<string, unknown> = { [boundBinding]: bound };
  // `$call("name")` runs a registered TypeScript function over the same scope.
  if (functions) bindings.call = (name: string) => callFunction(functions, name, scope, stepPath);
  try {
    return normalize(await parsed.evaluate(scope, bindings));
  } catch (error) {
    // A timeout or cancel keeps the reason the step was stopped with.
    if (signal?.aborted && error === signal.reason) throw error;
    // A Baton error raised inside (a limit, a `$call` function) keeps its code and retryability.
    if (BatonError.is(error)) throw toBatonError(error, error.code, stepPath);
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
  // Own properties only: `constructor` or `toString` are not registered functions.
  const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
  if (typeof fn !== 'function') {
    throw new BatonError('FUNCTION_NOT_FOUND', `Function "${name}" is not registered.`, {
      stepPath,
      hint: 'Define it in the workflow module, or pass it in `functions` when you run the workflow.',
    });
  }
  return code === undefined ? fn(scope as never) : fn(scope as never, code as never);
}

// A regex literal the linear engine cannot run (a backreference, a lookahead) is a syntax error.
function checkRegexes(node: unknown): void {
  if (node instanceof RegExp) {
    try {
      new LinearRegExp(node);
    } catch (error) {
      throw {
        message: `Regular expression /${node.source}/ is not supported: ${(error as Error).message}`,
      };
    }
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const value of Object.values(node)) checkRegexes(value);
}

// JSONata marks the arrays it builds with a `sequence` flag; plain arrays keep outputs comparable.
function normalize(value: unknown): unknown {
  if (Array.isArray(value) && (value as { sequence?: boolean }).sequence) return Array.from(value, normalize);
  return value;
}
