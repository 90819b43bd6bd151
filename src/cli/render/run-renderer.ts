import type { BatonEvent } from '../../core/index.js';

/** Shows a run's events as they happen: the live view, the plain log, or nothing (`--json`). */
export interface RunRenderer {
  onEvent(event: BatonEvent): void;
  /** Called once the run has ended, before the summary is printed. */
  stop(): void;
}

/** The renderer of `--json` mode: stdout carries only the final document. */
export const silentRenderer: RunRenderer = { onEvent: () => {}, stop: () => {} };
