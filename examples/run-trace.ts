import type { BatonEvent, Engine } from 'baton';

type EventOf<T extends BatonEvent['type']> = Extract<BatonEvent, { type: T }>;

/** The events of an engine's runs, with the questions an example test asks of them. */
export interface RunTrace {
  events: BatonEvent[];
  /** The events of one type, in the order they happened. */
  ofType<T extends BatonEvent['type']>(type: T): Array<EventOf<T>>;
  /**
   * Paths of the steps that started, succeeded or were skipped, in order. A step whose output a
   * resumed run took from the journal is not counted again.
   */
  started(): string[];
  succeeded(): string[];
  skipped(): string[];
  /** The position of an event in the trace, to say that one thing happened before another. */
  indexOf(type: 'step-start' | 'step-end' | 'step-skip', path: string): number;
}

/**
 * Records every event of an engine, from now on.
 *
 * @example
 * ```ts
 * const trace = traceEngine(baton);
 * await baton.run(definition, { input });
 * expect(trace.succeeded()).toEqual(['extract', 'steps', 'answer']);
 * ```
 */
export function traceEngine(engine: Pick<Engine, 'subscribe'>): RunTrace {
  const events: BatonEvent[] = [];
  engine.subscribe((event) => events.push(event));
  const ofType = <T extends BatonEvent['type']>(type: T) =>
    events.filter((event): event is EventOf<T> => event.type === type);
  return {
    events,
    ofType,
    started: () => ofType('step-start').map((event) => event.path),
    succeeded: () =>
      ofType('step-end')
        .filter((event) => event.status === 'succeeded' && !event.replayed)
        .map((event) => event.path),
    skipped: () => ofType('step-skip').map((event) => event.path),
    indexOf(type, path) {
      const index = events.findIndex((event) => event.type === type && event.path === path);
      if (index < 0) throw new Error(`No ${type} event for step "${path}" in the trace.`);
      return index;
    },
  };
}
