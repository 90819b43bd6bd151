import type { LiveEvent } from '../events.js';
import type { RunState, StepContext } from '../runner/run-state.js';

export type StepDelta = Extract<LiveEvent, { type: 'step-delta' }>['delta'];

/** Deltas of one step path gather this long before they go out as one `step-delta`. */
export const deltaIntervalMs = 50;

/** What a run remembers of each step path that streamed: across the calls of the step. */
interface PathStream {
  /** `performance.now()` of the last delta sent, so consecutive calls share one rate limit. */
  lastSent: number;
  /** The attempt whose streamed text a later call must announce as started over. */
  attempt: number | undefined;
}

const streams = new WeakMap<RunState, Map<string, PathStream>>();

function pathStream(run: RunState, path: string): PathStream {
  let paths = streams.get(run);
  if (!paths) {
    paths = new Map();
    streams.set(run, paths);
  }
  let stream = paths.get(path);
  if (!stream) {
    stream = { lastSent: Number.NEGATIVE_INFINITY, attempt: undefined };
    paths.set(path, stream);
  }
  return stream;
}

/**
 * The live output of one model call of a step: deltas are merged while they continue the same
 * text (or the same tool call's arguments) and sent at most once per {@link deltaIntervalMs} per
 * step path, and whatever is pending goes out at `flush` (the end of the call). A switch from
 * text to a tool call sends the pending text at once, as one event carries one kind.
 *
 * The window runs on the process's monotonic time, not the run's clock: it only paces what a
 * watcher sees and must not wait on a test's fake clock.
 */
export class DeltaStream {
  private pending: StepDelta | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly state: PathStream;
  /** Whether this call sent any delta. */
  streamed = false;

  constructor(private readonly context: StepContext) {
    this.state = pathStream(context.run, context.path);
    // Text of an earlier attempt of this step is on a watcher's screen: this attempt starts over.
    if (this.state.attempt !== undefined && this.state.attempt !== context.attempt) {
      resetStream(context, 'retry');
    }
  }

  push(delta: StepDelta): void {
    if (delta.text === '') return;
    const pending = this.pending;
    if (pending && (pending.kind !== delta.kind || pending.toolCallId !== delta.toolCallId)) this.flush();
    this.pending = this.pending ? { ...this.pending, text: this.pending.text + delta.text } : { ...delta };
    const wait = this.state.lastSent + deltaIntervalMs - performance.now();
    if (wait <= 0) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref?.();
    }
  }

  /** Sends what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const delta = this.pending;
    if (!delta) return;
    this.pending = undefined;
    this.streamed = true;
    this.state.lastSent = performance.now();
    this.state.attempt = this.context.attempt;
    const { run, path, attempt } = this.context;
    run.emit({ type: 'step-delta', runId: run.id, path, attempt, time: run.services.clock.now(), delta });
  }
}

/**
 * Tells watchers that the text streamed so far for the step is void: a `retry` (a new attempt, a
 * repair) or a `fallback` model starts the answer over. Nothing is sent when nothing streamed.
 */
export function resetStream(context: StepContext, reason: 'retry' | 'fallback'): void {
  const state = pathStream(context.run, context.path);
  if (state.attempt === undefined) return;
  state.attempt = undefined;
  const { run, path, attempt } = context;
  run.emit({
    type: 'stream-reset',
    runId: run.id,
    path,
    attempt,
    time: run.services.clock.now(),
    reason,
  });
}
