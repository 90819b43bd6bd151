import { BatonError } from '../errors.js';

/** Bounds on a run's input, checked before anything is journaled. */
export interface InputLimits {
  /** Largest input, in bytes of its JSON text. Default 10 MB. */
  maxBytes: number;
  /** Deepest nesting of objects and arrays. Default 100. */
  maxDepth: number;
}

export const defaultInputLimits: InputLimits = { maxBytes: 10_000_000, maxDepth: 100 };

/**
 * Refuses an input that is nested too deeply or too large with `INPUT_INVALID`. The depth is
 * measured without recursion, so a hostile input cannot overflow the stack while being measured.
 *
 * @example
 * ```ts
 * checkInputLimits({ a: [1, 2] }, defaultInputLimits); // passes
 * ```
 */
export function checkInputLimits(input: unknown, limits: InputLimits): void {
  const pending: Array<[unknown, number]> = [[input, 0]];
  let nodes = 0;
  while (pending.length > 0) {
    const [value, depth] = pending.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limits.maxDepth) {
      throw refuse(`is nested deeper than ${limits.maxDepth} levels`, 'maxDepth', limits.maxDepth);
    }
    // Each object or array takes at least two bytes of JSON; more of them cannot fit the size bound.
    nodes += 1;
    if (nodes * 2 > limits.maxBytes) throw tooLarge(limits);
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  if (Buffer.byteLength(JSON.stringify(input) ?? '') > limits.maxBytes) throw tooLarge(limits);
}

function tooLarge(limits: InputLimits): BatonError {
  return refuse(`is larger than ${limits.maxBytes} bytes of JSON`, 'maxBytes', limits.maxBytes);
}

function refuse(what: string, limit: keyof InputLimits, value: number): BatonError {
  return new BatonError('INPUT_INVALID', `Run input ${what} (limit ${limit}).`, {
    hint: `Pass a smaller input, or raise inputLimits.${limit} of the engine.`,
    details: { limit, value },
  });
}
