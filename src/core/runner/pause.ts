import type { SubCallRecord } from '../ports/store.js';

/**
 * The one pause of the engine: a request sub-call at an even sequence, and the decision that ends
 * it at the next one. Code that must wait for a person journals the request and throws a
 * {@link PauseSignal}; the step returns `waiting`; whoever decides writes the decision, and the
 * step, run again, finds it.
 */
export interface Pause {
  request?: SubCallRecord;
  decision?: SubCallRecord;
}

/** What a person is asked, as shown by `baton runs`, `baton show` and the end of a run. */
export interface Question {
  path: string;
  key: string;
  prompt: string;
}

/**
 * Thrown through user code when a step must wait; the step handler turns it into `waiting`. Not
 * an error: nothing failed, and code that catches errors to wrap them must let it pass.
 */
export class PauseSignal {
  constructor(readonly question: Question) {}
}

/** The request at `sequence` and its decision, among a step's sub-calls. */
export function pauseAt(calls: readonly SubCallRecord[], sequence: number): Pause {
  const request = calls.find((call) => call.sequence === sequence);
  const decision = calls.find((call) => call.sequence === sequence + 1);
  return { ...(request ? { request } : {}), ...(decision ? { decision } : {}) };
}
