import type { BatonEvent } from '../../core/index.js';
import type { CliOutput } from '../output.js';

/** Shows a run's events as they happen: the live view, the plain log, or JSON lines (`--json`). */
export interface RunRenderer {
  /** Every event, the live-only `step-delta` and `stream-reset` of streaming model calls too. */
  onEvent(event: BatonEvent): void;
  /** Called once the run has ended, before the summary is printed. */
  stop(): void;
}

/** The renderer of `--json` mode: every event, live ones included, as one JSON line on stdout. */
export function jsonLinesRenderer(output: CliOutput): RunRenderer {
  return { onEvent: (event) => output.jsonLine(event), stop: () => {} };
}
