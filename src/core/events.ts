import type { SerializedError } from './errors.js';
import type { RunStatus, Usage } from './ports/store.js';

/**
 * Everything that happens in a run is one of these events. The CLI's live view, the HTTP API's
 * stream, traces and reports all read them. Names are `<noun>-<verb>`; `time` is epoch ms.
 */
export type BatonEvent =
  | { type: 'run-start'; runId: string; workflow: string; time: number; resumed: boolean }
  | {
      type: 'run-end';
      runId: string;
      status: RunStatus;
      time: number;
      durationMs: number;
      usage: Usage;
      costUsd: number;
      /** Some model calls had no price: `costUsd` counts only the priced ones. */
      unpriced?: boolean;
      error?: SerializedError;
    }
  | {
      type: 'step-start';
      runId: string;
      path: string;
      stepId: string;
      kind: string;
      attempt: number;
      time: number;
    }
  | {
      type: 'step-end';
      runId: string;
      path: string;
      stepId: string;
      kind: string;
      /** `failed` here means the failure was continued past or routed by `onError`. */
      status: 'succeeded' | 'failed';
      attempt: number;
      time: number;
      durationMs: number;
      outputSize: number;
      usage?: Usage;
      costUsd?: number;
      /** A model call of the step had no price, so the step has no cost (never a cost of $0). */
      unpriced?: boolean;
      model?: string;
      cached?: boolean;
      /** The output was taken from the journal of an earlier process, not computed again. */
      replayed?: boolean;
      note?: string;
      /**
       * The step's output (the journaled value itself, not a copy) when its JSON is at most the
       * engine's `eventOutputLimit` (default 64 KiB); otherwise `outputRef` says where to read it.
       */
      output?: unknown;
      /** Set instead of `output` for a larger output: read it from `store.listSteps` at `path`. */
      outputRef?: { path: string };
    }
  | {
      type: 'step-error';
      runId: string;
      path: string;
      stepId: string;
      attempt: number;
      time: number;
      error: SerializedError;
      /** True when no retry follows. */
      final: boolean;
    }
  | { type: 'attempt-retry'; runId: string; path: string; attempt: number; delayMs: number; time: number }
  | { type: 'step-skip'; runId: string; path: string; stepId: string; reason: string; time: number }
  | { type: 'step-wait'; runId: string; path: string; stepId: string; time: number; wakeAt?: number }
  | {
      type: 'approval-request';
      runId: string;
      path: string;
      /** The call number, when a gated tool call of an agent waits. */
      call?: number;
      subject: unknown;
      instructions?: string;
      expiresAt?: number;
      time: number;
    }
  | {
      type: 'approval-response';
      runId: string;
      path: string;
      call?: number;
      action: 'approve' | 'reject';
      by: string;
      edited: boolean;
      time: number;
    }
  | {
      type: 'model-call';
      runId: string;
      path: string;
      model: string;
      time: number;
      durationMs: number;
      usage: Usage;
      costUsd: number;
      /** The model has no price: `costUsd` is 0 only because nothing could be counted. */
      unpriced?: boolean;
      cached: boolean;
      /** Why the model stopped: `stop`, `tool-calls`, `length` (the output limit), ... */
      finishReason?: string;
      /** The sampling parameters the call set (a call that leaves one to the provider has none). */
      request?: { temperature?: number; maxOutputTokens?: number };
      /** The model that answered, as the provider names it (may differ from the requested one). */
      responseModel?: string;
      /** The provider's id of the response. */
      responseId?: string;
      /**
       * What was sent and answered, only when the engine captures model content
       * (`captureModelContent`): prompts often hold personal data, so it is off by default.
       */
      content?: { system?: string; input: unknown[]; output: unknown[] };
    }
  | {
      /** The model layer retries one call (429, 5xx, timeout), before the step's own retry policy. */
      type: 'model-retry';
      runId: string;
      path: string;
      model: string;
      /** 1 for the first retry. */
      retry: number;
      /** The HTTP status that was retried, if the failure had one. */
      statusCode?: number;
      /** How long it waits first, from Retry-After or the backoff. */
      delayMs: number;
      /** The wait the provider asked for (Retry-After), when it said. */
      retryAfterMs?: number;
      time: number;
      error: SerializedError;
    }
  | {
      type: 'model-fallback';
      runId: string;
      path: string;
      from: string;
      to: string;
      time: number;
      error: SerializedError;
    }
  | {
      /** An answer cut off by the output limit was kept (`onTruncate: accept`). */
      type: 'output-truncated';
      runId: string;
      path: string;
      model: string;
      time: number;
    }
  | {
      type: 'tool-call';
      runId: string;
      path: string;
      tool: string;
      sequence: number;
      /** The model's id of the call, when a model asked for it (agent steps). */
      toolCallId?: string;
      input: unknown;
      time: number;
    }
  | {
      type: 'tool-result';
      runId: string;
      path: string;
      tool: string;
      sequence: number;
      toolCallId?: string;
      output?: unknown;
      error?: SerializedError;
      time: number;
    }
  | StepDeltaEvent
  | StreamResetEvent;

/**
 * Text a model is streaming for a step (live only: never journaled, no `seq`). Deltas are
 * coalesced, at most one per path about every 50 ms, and one when the step ends.
 */
export interface StepDeltaEvent {
  type: 'step-delta';
  runId: string;
  path: string;
  attempt: number;
  time: number;
  delta: { kind: 'text' | 'reasoning' | 'tool-call'; text: string; toolName?: string; toolCallId?: string };
}

/** A stream that already produced text starts again (a retry or a fallback): drop what it streamed. Live only. */
export interface StreamResetEvent {
  type: 'stream-reset';
  runId: string;
  path: string;
  attempt: number;
  time: number;
  reason: 'retry' | 'fallback';
}

/** Events that only reach live subscribers: never journaled, so they have no `seq`. */
export type LiveEvent = StepDeltaEvent | StreamResetEvent;

/** An event as the journal keeps it: numbered per run, 1, 2, 3..., with no gap across resumes. */
export type JournaledEvent = Exclude<BatonEvent, LiveEvent> & { seq: number };

/** What an event stream yields: journaled events in `seq` order, with live-only events between them. */
export type StreamEvent = JournaledEvent | LiveEvent;

export type BatonEventType = BatonEvent['type'];

/** Whether an event is live only (a token delta, a stream reset), so it is not journaled. */
export function isLiveEvent(event: BatonEvent): event is LiveEvent {
  return event.type === 'step-delta' || event.type === 'stream-reset';
}
export type EventListener = (event: BatonEvent) => void;

/** Bytes of a value as JSON: the "output size" of reports. */
export function sizeOf(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === 'string') return Buffer.byteLength(value);
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}
