import { BatonError, type BatonEvent, type EventListener, type RunResult, type Step } from '../core/index.js';
import { type ExitCode, exitCodeForRun } from './exit-codes.js';
import type { CliOutput } from './output.js';
import { EventLog } from './render/event-log.js';
import { LiveView } from './render/live-view.js';
import { jsonLinesRenderer, type RunRenderer } from './render/run-renderer.js';
import { printRunSummary } from './render/run-summary.js';
import { styleFor } from './render/style.js';

/** What a command that runs a workflow (run, resume, approve, reject, replay) hands to the session. */
export interface RunSessionOptions {
  output: CliOutput;
  workflowName: string;
  /** Top-level steps, shown as pending before they start. */
  steps: readonly Step[];
  /** Print each step's output when it ends (in the plain log, also on a terminal). */
  showOutputs?: boolean;
  /** Starts (or continues) the run with the session's signal and event listener. */
  start(options: { signal: AbortSignal; onEvent: EventListener }): Promise<RunResult>;
}

/**
 * Runs a workflow in the foreground: a live view on a terminal (with the text of running model
 * calls), one line per event otherwise, and with `--json` every event as a JSON line, the
 * result document last. The first Ctrl-C cancels the run and waits for it to be
 * journaled as cancelled; a second one quits at once.
 *
 * @example
 * ```ts
 * const code = await runSession({ output, workflowName, steps, start: (options) => engine.run(definition, options) });
 * ```
 */
export async function runSession(
  options: RunSessionOptions,
): Promise<{ exitCode: ExitCode; result: RunResult }> {
  const { output } = options;
  const style = styleFor(output.isTTY && !output.json);
  const renderer: RunRenderer = output.json
    ? jsonLinesRenderer(output)
    : output.isTTY && !options.showOutputs
      ? new LiveView(output, style, options.workflowName, options.steps)
      : new EventLog(output, options.showOutputs);
  const controller = new AbortController();
  let runId: string | undefined;
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    const resume = runId === undefined ? undefined : `Resume it with \`baton resume ${runId}\`.`;
    controller.abort(
      new BatonError('RUN_CANCELLED', 'Cancelled with Ctrl-C.', resume === undefined ? {} : { hint: resume }),
    );
    output.note('Cancelling: waiting for running steps to stop (Ctrl-C again quits at once).');
  };
  process.on('SIGINT', onSigint);
  const onEvent = (event: BatonEvent) => {
    if (event.type === 'run-start') runId = event.runId;
    renderer.onEvent(event);
  };
  try {
    const result = await options.start({ signal: controller.signal, onEvent });
    renderer.stop();
    printRunSummary(output, style, result);
    return { exitCode: exitCodeForRun(result.status, result.error?.code), result };
  } finally {
    renderer.stop();
    process.off('SIGINT', onSigint);
  }
}
