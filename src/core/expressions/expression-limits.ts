import type jsonata from 'jsonata';
import { BatonError } from '../errors.js';

/** Bounds on one expression evaluation. */
export interface ExpressionLimits {
  /** Longest one evaluation may run, in ms. Default 5000: room for real work on a busy machine, and a hang still ends. */
  timeoutMs: number;
  /** Deepest nesting of evaluation (recursion counts), in JSONata evaluation frames. Default 500. */
  maxDepth: number;
}

export const defaultExpressionLimits: ExpressionLimits = { timeoutMs: 5000, maxDepth: 500 };

/** The state of one evaluation, kept in its JSONata environment under a name no expression can spell. */
export interface EvaluationBound {
  expression: string;
  stepPath: string | undefined;
  limits: ExpressionLimits;
  signal: AbortSignal | undefined;
  deadline: number;
  yieldedAt: number;
  /** Nodes evaluated so far. */
  nodes: number;
}

const boundSlot = Symbol('baton bound');
type EvaluationFrame = { depth?: number; [boundSlot]?: EvaluationBound | null };

/** A binding name with a space: JSONata variables cannot contain one, so expressions cannot read or replace it. */
export const boundBinding = 'baton bound';

// How often a long evaluation lets timers and I/O run, so a step timeout or a cancel can fire.
const yieldEveryMs = 10;
const checkEveryNodes = 64;

/**
 * Called by JSONata before it evaluates each node. JSONata's evaluation is a chain of promises
 * that never returns to the event loop on its own; this hook checks the time and depth bounds,
 * gives the event loop a turn every few milliseconds, and stops at once when the step's signal
 * aborts (timeout, cancel).
 */
export function enterNode(
  _node: jsonata.ExprNode,
  _input: unknown,
  environment: jsonata.Environment & { base?: EvaluationFrame },
): Promise<void> | undefined {
  const base = environment.base;
  // Found once per evaluation and kept on its root frame: lookups walk every enclosing frame.
  let bound = base?.[boundSlot];
  if (bound === undefined) {
    bound = (environment.lookup(boundBinding) as EvaluationBound | undefined) ?? null;
    if (base) base[boundSlot] = bound;
  }
  if (bound === null) return undefined;
  const { limits, signal } = bound;
  if ((base?.depth ?? 0) > limits.maxDepth) {
    throw limitError(bound, `nested deeper than ${limits.maxDepth} levels`, 'maxDepth', limits.maxDepth);
  }
  if (signal?.aborted) throw signal.reason;
  // The clock is read every few nodes only: most nodes take well under a microsecond.
  if (++bound.nodes % checkEveryNodes !== 0) return undefined;
  const now = Date.now();
  if (now > bound.deadline) {
    throw limitError(bound, `ran longer than ${limits.timeoutMs} ms`, 'timeoutMs', limits.timeoutMs);
  }
  // Not async: JSONata awaits what this returns, and a promise only when it is needed is cheaper.
  return now - bound.yieldedAt >= yieldEveryMs ? giveTurn(bound) : undefined;
}

async function giveTurn(bound: EvaluationBound): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  bound.yieldedAt = Date.now();
  if (bound.signal?.aborted) throw bound.signal.reason;
}

function limitError(bound: EvaluationBound, what: string, limit: keyof ExpressionLimits, value: number) {
  const where = bound.stepPath === undefined ? '' : ` in step "${bound.stepPath}"`;
  return new BatonError(
    'EXPRESSION_FAILED',
    `Expression \`${clip(bound.expression)}\`${where} ${what} (limit ${limit}).`,
    {
      stepPath: bound.stepPath,
      hint: `Look for a recursion that does not end; if the work is real, raise expressionLimits.${limit}.`,
      details: { expression: bound.expression, limit, value },
    },
  );
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
