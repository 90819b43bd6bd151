import type { GraphEdge, RunEvent, StepRecord, StepStatus } from './api-types.ts';

/**
 * What the run page derives from a run's events: the state of each step instance, the attempts
 * for the timeline, the text a running step has streamed so far, and the approval events for the
 * audit trail. Pure functions, so the page can fold events in as they arrive.
 */
export type LiveStep = Pick<
  StepRecord,
  'path' | 'stepId' | 'kind' | 'status' | 'attempt' | 'startedAt' | 'endedAt'
>;

export interface AttemptBar {
  path: string;
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'waiting';
  startedAt: number;
  endedAt?: number;
}

export interface RunTimeline {
  steps: Map<string, LiveStep>;
  attempts: AttemptBar[];
  /** Text streamed by the current attempt of each running step. */
  streaming: Map<string, string>;
  approvals: RunEvent[];
  /** Model calls, retries, fallbacks and tool calls, per step path, as they happened. */
  calls: Map<string, RunEvent[]>;
  lastSeq: number;
  ended?: { status: string; time: number };
}

export function emptyTimeline(): RunTimeline {
  return {
    steps: new Map(),
    attempts: [],
    streaming: new Map(),
    approvals: [],
    calls: new Map(),
    lastSeq: 0,
  };
}

const terminal = new Set(['succeeded', 'failed', 'cancelled']);
export const isTerminal = (status: string | undefined) => status !== undefined && terminal.has(status);

/** Folds events into the timeline, returning a new one (the old one is left as it was). */
export function applyEvents(previous: RunTimeline, events: RunEvent[]): RunTimeline {
  const next: RunTimeline = {
    steps: new Map(previous.steps),
    attempts: [...previous.attempts],
    streaming: new Map(previous.streaming),
    approvals: [...previous.approvals],
    calls: new Map(previous.calls),
    lastSeq: previous.lastSeq,
  };
  if (previous.ended) next.ended = previous.ended;
  for (const event of events) {
    // A reconnect can resend what was seen; journaled events are applied once, in order.
    if (event.seq !== undefined) {
      if (event.seq <= next.lastSeq) continue;
      next.lastSeq = event.seq;
    }
    applyEvent(next, event);
  }
  return next;
}

function applyEvent(timeline: RunTimeline, event: RunEvent): void {
  const path = event.path;
  const closeAttempt = (status: AttemptBar['status']) => {
    for (let index = timeline.attempts.length - 1; index >= 0; index--) {
      const bar = timeline.attempts[index];
      if (bar && bar.path === path && bar.endedAt === undefined) {
        timeline.attempts[index] = { ...bar, status, endedAt: event.time };
        return;
      }
    }
  };
  const setStep = (patch: Partial<LiveStep>) => {
    if (path === undefined) return;
    const before = timeline.steps.get(path);
    timeline.steps.set(path, {
      path,
      stepId: event.stepId ?? before?.stepId ?? stepIdOf(path),
      kind: event.kind ?? before?.kind ?? 'step',
      status: before?.status ?? 'running',
      attempt: event.attempt ?? before?.attempt ?? 1,
      ...(before?.startedAt === undefined ? {} : { startedAt: before.startedAt }),
      ...(before?.endedAt === undefined ? {} : { endedAt: before.endedAt }),
      ...patch,
    });
  };
  switch (event.type) {
    case 'run-start':
      delete timeline.ended;
      break;
    case 'run-end':
      timeline.ended = { status: String(event.status), time: event.time };
      for (const bar of timeline.attempts)
        if (bar.endedAt === undefined && bar.status === 'running') closeAttempt('failed');
      break;
    case 'step-start':
      if (path === undefined) break;
      closeAttempt('failed');
      timeline.attempts.push({ path, attempt: event.attempt ?? 1, status: 'running', startedAt: event.time });
      timeline.streaming.delete(path);
      setStep({ status: 'running', startedAt: event.time });
      break;
    case 'step-end':
      closeAttempt(event.status === 'failed' ? 'failed' : 'succeeded');
      setStep({ status: event.status === 'failed' ? 'failed' : 'succeeded', endedAt: event.time });
      break;
    case 'step-error':
      closeAttempt('failed');
      if (event.final) setStep({ status: 'failed', endedAt: event.time });
      break;
    case 'step-skip':
      setStep({ status: 'skipped', endedAt: event.time });
      break;
    case 'step-wait':
      closeAttempt('waiting');
      setStep({ status: 'waiting' });
      break;
    case 'approval-request':
    case 'approval-response':
      timeline.approvals.push(event);
      if (event.type === 'approval-response' && path !== undefined && event.call === undefined)
        setStep({ status: event.action === 'reject' ? 'failed' : 'running' });
      break;
    case 'step-delta':
      if (path !== undefined && event.delta && event.delta.kind !== 'tool-call')
        timeline.streaming.set(path, (timeline.streaming.get(path) ?? '') + event.delta.text);
      break;
    case 'model-call':
    case 'model-retry':
    case 'model-fallback':
    case 'tool-call':
    case 'tool-result':
      if (path !== undefined) timeline.calls.set(path, [...(timeline.calls.get(path) ?? []), event]);
      break;
    case 'stream-reset':
      if (path !== undefined) timeline.streaming.delete(path);
      break;
    default:
      break;
  }
}

/** `review[3]/check#2` → `check`: the step id is the last segment without its index. */
export function stepIdOf(path: string): string {
  return nodeIdOf(path).split('/').at(-1) ?? path;
}

/** `review[3]/check#2` → `review/check`: the graph node of a step instance (inner steps are `outer/inner`). */
export function nodeIdOf(path: string): string {
  return path
    .split('/')
    .map((segment) => segment.replace(/[[#].*$/, ''))
    .join('/');
}

/** Steps of the page: the journal's records, with the live state where the events are newer. */
export function mergeSteps(records: StepRecord[], timeline: RunTimeline): StepRecord[] {
  const merged = new Map(records.map((record) => [record.path, record]));
  for (const live of timeline.steps.values()) {
    const record = merged.get(live.path);
    if (!record) {
      merged.set(live.path, { runId: '', ...live });
    } else if (
      record.status !== live.status &&
      (record.status === 'running' || record.status === 'waiting' || live.attempt > record.attempt)
    ) {
      merged.set(live.path, {
        ...record,
        status: live.status,
        attempt: live.attempt,
        ...(live.startedAt === undefined ? {} : { startedAt: live.startedAt }),
        ...(live.endedAt === undefined ? {} : { endedAt: live.endedAt }),
      });
    }
  }
  return [...merged.values()];
}

const statusOrder: Array<StepStatus | 'pending'> = [
  'running',
  'waiting',
  'failed',
  'cancelled',
  'succeeded',
  'skipped',
  'pending',
];

/** One status per graph node: the most pressing of its instances (a running map item wins). */
export function statusByNode(steps: StepRecord[]): Map<string, StepStatus | 'pending'> {
  const result = new Map<string, StepStatus | 'pending'>();
  for (const step of steps) {
    const node = nodeIdOf(step.path);
    const before = result.get(node);
    if (before === undefined || statusOrder.indexOf(step.status) < statusOrder.indexOf(before))
      result.set(node, step.status);
  }
  return result;
}

/**
 * The critical path: from the step that ended last, back through the dependency that ended last
 * each time — the chain that set the run's duration.
 */
export function criticalPath(steps: StepRecord[], edges: GraphEdge[]): Set<string> {
  const ended = new Map<string, number>();
  for (const step of steps) {
    if (step.endedAt === undefined || step.status === 'skipped') continue;
    const node = nodeIdOf(step.path);
    ended.set(node, Math.max(ended.get(node) ?? 0, step.endedAt));
  }
  const path = new Set<string>();
  let current: string | undefined;
  for (const [id, time] of ended) if (current === undefined || time > (ended.get(current) ?? 0)) current = id;
  while (current !== undefined && !path.has(current)) {
    path.add(current);
    let best: string | undefined;
    for (const edge of edges) {
      if (edge.to !== current || !ended.has(edge.from)) continue;
      if (best === undefined || (ended.get(edge.from) ?? 0) > (ended.get(best) ?? 0)) best = edge.from;
    }
    current = best;
  }
  return path;
}

/**
 * Bars from the step records, for a run whose events are not in the journal (it ran before
 * events were journaled): one bar per step instance, its latest attempt.
 */
export function barsOfSteps(steps: StepRecord[]): AttemptBar[] {
  const bars: AttemptBar[] = [];
  for (const step of steps) {
    if (step.startedAt === undefined || step.status === 'skipped') continue;
    const status = step.status === 'cancelled' ? 'failed' : step.status;
    bars.push({
      path: step.path,
      attempt: step.attempt,
      status,
      startedAt: step.startedAt,
      ...(step.endedAt === undefined ? {} : { endedAt: step.endedAt }),
    });
  }
  return bars;
}
