import type { BatonEvent } from '../core/index.js';

/** Something that delivers events: an engine, or a function that subscribes and returns an unsubscribe. */
export type EventSource = { subscribe(listener: (event: BatonEvent) => void): () => void };

export type EventMatch = Partial<{
  type: BatonEvent['type'];
  path: string;
  stepId: string;
  runId: string;
  status: string;
}>;

/**
 * Resolves with the first event that matches, without sleeping or polling.
 *
 * @example
 * ```ts
 * const ended = waitFor(engine, { type: 'step-end', path: 'review[2]' });
 * await engine.run(definition);
 * expect((await ended).status).toBe('succeeded');
 * ```
 */
export function waitFor(
  source: EventSource,
  match: EventMatch,
  options: { timeoutMs?: number } = {},
): Promise<BatonEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `waitFor: no event matching ${JSON.stringify(match)} within ${options.timeoutMs ?? 10_000} ms`,
        ),
      );
    }, options.timeoutMs ?? 10_000);
    const stop = source.subscribe((event) => {
      const fields = event as unknown as Record<string, unknown>;
      if (Object.entries(match).every(([key, value]) => fields[key] === value)) {
        clearTimeout(timer);
        stop();
        resolve(event);
      }
    });
  });
}
