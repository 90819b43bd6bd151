import type { EventListener } from '../events.js';
import type { EngineServices } from './run-state.js';

const reported = new WeakSet<EventListener>();

/**
 * The run's `emit`: calls the engine's listeners and the run's own `onEvent` for each event. A
 * listener that throws (or returns a rejected promise) is reported once through
 * `onListenerError` and otherwise ignored: watching a run never changes how it ends.
 */
export function isolateListeners(
  services: EngineServices,
  onEvent: EventListener | undefined,
): EventListener {
  const listeners = [...services.listeners, ...(onEvent ? [onEvent] : [])];
  const report = (error: unknown, listener: EventListener) => {
    if (reported.has(listener)) return;
    reported.add(listener);
    try {
      services.onListenerError(error, listener);
    } catch {
      // The reporter itself failed: there is nowhere left to report to.
    }
  };
  if (listeners.length === 0) return ignore;
  return (event) => {
    for (const listener of listeners) {
      try {
        const returned: unknown = listener(event);
        if (returned instanceof Promise) returned.catch((error: unknown) => report(error, listener));
      } catch (error) {
        report(error, listener);
      }
    }
  };
}

function ignore(): void {}
