import type { BatonEvent, LiveEvent, RunStatus, Step, Usage } from '../../core/index.js';

/** Characters of a running step's streamed text a board keeps: enough for the last line shown. */
const streamKept = 400;

export type RowStatus =
  | 'pending'
  | 'running'
  | 'retrying'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled';

/** One step instance as the live view shows it. */
export interface StepRow {
  path: string;
  /** The part of the path below the row it is shown under: `check`, or `[2]/check` under a map. */
  label: string;
  kind: string;
  depth: number;
  status: RowStatus;
  attempt: number;
  startedAt?: number;
  endedAt?: number;
  usage?: Usage;
  costUsd?: number;
  /** A model call of the step had no price: its cost is unknown, not 0. */
  unpriced?: boolean;
  model?: string;
  note?: string;
  /** The end of the text its model is streaming, while the step runs. */
  stream?: string;
  /** The tool call whose arguments stream last, so the next one starts a new line. */
  streamCall?: string;
}

/**
 * The state of a run's steps, built from its events alone, so any event source (this process, a
 * stream from a server) can drive a view. Rows keep tree order: an instance appears under the
 * step that started it.
 */
export class StepBoard {
  readonly rows: StepRow[] = [];
  runId: string | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
  status: RunStatus | undefined;
  usage: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  costUsd = 0;
  /** Some model call had no price: `costUsd` leaves it out. */
  unpriced = false;
  private readonly byPath = new Map<string, StepRow>();

  /** Shows the top-level steps as pending before anything runs, so the whole graph is visible. */
  constructor(steps: readonly Step[] = []) {
    for (const step of steps) this.rowFor(step.id, step.kind);
  }

  apply(event: BatonEvent): void {
    switch (event.type) {
      case 'run-start':
        this.runId = event.runId;
        this.startedAt ??= event.time;
        this.status = 'running';
        break;
      case 'run-end':
        this.status = event.status;
        this.endedAt = event.time;
        this.usage = event.usage;
        this.costUsd = event.costUsd;
        if (event.unpriced) this.unpriced = true;
        if (event.status === 'cancelled' || event.status === 'failed') {
          for (const row of this.rows) {
            if (row.status === 'running' || row.status === 'retrying') row.status = 'cancelled';
          }
        }
        break;
      case 'step-start': {
        const row = this.rowFor(event.path, event.kind);
        row.status = 'running';
        row.attempt = event.attempt;
        row.startedAt ??= event.time;
        delete row.note;
        delete row.stream;
        delete row.streamCall;
        break;
      }
      case 'step-end': {
        const row = this.rowFor(event.path, event.kind);
        row.status = event.status;
        row.attempt = event.attempt;
        row.endedAt = event.time;
        row.startedAt ??= event.time - event.durationMs;
        delete row.stream;
        delete row.streamCall;
        if (event.usage) row.usage = event.usage;
        if (event.costUsd !== undefined) row.costUsd = event.costUsd;
        if (event.model !== undefined) row.model = event.model;
        const notes = [
          event.replayed ? 'from journal' : undefined,
          event.cached ? 'cached' : undefined,
          event.note,
        ];
        const note = notes.filter((entry) => entry !== undefined).join(', ');
        if (note) row.note = note;
        break;
      }
      case 'step-error': {
        const row = this.rowFor(event.path, undefined);
        row.status = event.final
          ? event.error.code === 'RUN_CANCELLED'
            ? 'cancelled'
            : 'failed'
          : 'retrying';
        if (event.final) row.endedAt = event.time;
        row.note = `${event.error.code}: ${event.error.message}`;
        break;
      }
      case 'attempt-retry': {
        const row = this.rowFor(event.path, undefined);
        row.status = 'retrying';
        row.note = `attempt ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)}s`;
        break;
      }
      case 'step-skip': {
        const row = this.rowFor(event.path, undefined);
        row.status = 'skipped';
        row.note = event.reason;
        break;
      }
      case 'step-wait':
      case 'approval-request': {
        const row = this.rowFor(event.path, event.type === 'approval-request' ? 'approval' : undefined);
        row.status = 'waiting';
        row.note = 'waiting for a person';
        break;
      }
      case 'model-call': {
        const row = this.rowFor(event.path, undefined);
        row.usage = addUsage(row.usage, event.usage);
        row.costUsd = (row.costUsd ?? 0) + event.costUsd;
        row.model = event.model;
        this.usage = addUsage(this.usage, event.usage);
        this.costUsd += event.costUsd;
        if (event.unpriced) {
          row.unpriced = true;
          this.unpriced = true;
        }
        break;
      }
      case 'step-delta':
      case 'stream-reset':
        this.applyStream(event);
        break;
      default:
        break;
    }
  }

  /** Adds the streamed text of a running step; a reset clears it. */
  private applyStream(event: LiveEvent): void {
    const row = this.rowFor(event.path, undefined);
    if (event.type === 'stream-reset') {
      delete row.stream;
      delete row.streamCall;
      return;
    }
    const { delta } = event;
    let text = delta.text;
    if (delta.kind === 'tool-call' && delta.toolCallId !== row.streamCall) {
      text = `\n→ ${delta.toolName ?? 'tool'} ${text}`;
      if (delta.toolCallId !== undefined) row.streamCall = delta.toolCallId;
    } else if (delta.kind !== 'tool-call' && row.streamCall !== undefined) {
      text = `\n${text}`;
      delete row.streamCall;
    }
    row.stream = `${row.stream ?? ''}${text}`.slice(-streamKept);
  }

  /** The row of a path, created in tree order the first time it is seen. */
  private rowFor(path: string, kind: string | undefined): StepRow {
    const known = this.byPath.get(path);
    if (known) {
      if (kind !== undefined) known.kind = kind;
      return known;
    }
    // Map items and loop iterations have no row of their own: an instance goes under its nearest shown ancestor.
    let ancestor = parentOf(path);
    while (ancestor !== undefined && !this.byPath.has(ancestor)) ancestor = parentOf(ancestor);
    const parentRow = ancestor === undefined ? undefined : this.byPath.get(ancestor);
    const row: StepRow = {
      path,
      label: parentRow ? path.slice(parentRow.path.length).replace(/^\//, '') : path,
      kind: kind ?? '',
      depth: parentRow ? parentRow.depth + 1 : 0,
      status: 'pending',
      attempt: 0,
    };
    let at = this.rows.length;
    if (parentRow) {
      at = this.rows.indexOf(parentRow) + 1;
      while (at < this.rows.length && isInside(this.rows[at]?.path ?? '', parentRow.path)) at++;
    }
    this.rows.splice(at, 0, row);
    this.byPath.set(path, row);
    return row;
  }
}

/** `review[2]/check` → `review[2]`, `review[2]` → `review`, `refine#3` → `refine`, `draft` → none. */
export function parentOf(path: string): string | undefined {
  const marker = /(\[\d+\]|#\d+)$/.exec(path);
  if (marker) return path.slice(0, marker.index);
  const slash = path.lastIndexOf('/');
  return slash < 0 ? undefined : path.slice(0, slash);
}

/** The name a row shows: the last part of its path. */
export function labelOf(path: string): string {
  const marker = /(\[\d+\]|#\d+)$/.exec(path);
  if (marker) return marker[0];
  return path.slice(path.lastIndexOf('/') + 1);
}

function isInside(path: string, ancestor: string): boolean {
  return (
    path.startsWith(`${ancestor}/`) || path.startsWith(`${ancestor}[`) || path.startsWith(`${ancestor}#`)
  );
}

function addUsage(total: Usage | undefined, more: Usage): Usage {
  return {
    inputTokens: (total?.inputTokens ?? 0) + more.inputTokens,
    outputTokens: (total?.outputTokens ?? 0) + more.outputTokens,
    cachedInputTokens: (total?.cachedInputTokens ?? 0) + more.cachedInputTokens,
  };
}
