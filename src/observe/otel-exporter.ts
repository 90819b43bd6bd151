import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { BatonEvent, Store } from '../core/index.js';
import { captureContentFromEnvironment, genAi, genAiModel, genAiOperation } from './gen-ai-conventions.js';
import { json, modelCallAttributes } from './model-call-attributes.js';
import { linkEarlierExecutions } from './trace-journal.js';

/** Anything that delivers Baton events, such as an engine. */
export interface EventSource {
  subscribe(listener: (event: BatonEvent) => void): () => void;
}

export interface TraceOptions {
  /** Default: the global tracer provider's `baton` tracer. */
  tracer?: Tracer;
  /**
   * The runs' journal. Each execution of a run journals its trace id there (a sub-call of kind
   * `trace`), and a resumed run's span links to the spans of its earlier executions.
   */
  store?: Pick<Store, 'listSubCalls' | 'writeSubCall'>;
  /**
   * Record tool arguments and results, and the messages of model calls when the engine puts them
   * on its events (`captureModelContent`). Default: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`.
   */
  captureContent?: boolean;
}

type RunEvent<T extends BatonEvent['type']> = Extract<BatonEvent, { type: T }>;

/**
 * Turns run events into OpenTelemetry spans named as the GenAI semantic conventions name them:
 * `invoke_workflow {workflow}` per run execution, a span per step instance (`invoke_agent {id}`
 * for agent steps, `step {id}` for the rest; a map item's steps are children of the map step), a
 * CLIENT span `chat {model}` per model call carrying its usage, and `execute_tool {tool}` per tool
 * call. Baton's own figures are `baton.*` attributes. Returns the function that stops tracing.
 *
 * @example
 * ```ts
 * const stop = traceRuns(baton, { tracer: trace.getTracer('my-service'), store });
 * ```
 */
export function traceRuns(source: EventSource, options: TraceOptions = {}): () => void {
  const tracer = options.tracer ?? trace.getTracer('baton');
  const captureContent = options.captureContent ?? captureContentFromEnvironment();
  const runs = new Map<string, Span>();
  const spans = new Map<string, Span>();
  const key = (runId: string, path: string, call?: number) =>
    call === undefined ? `${runId}\u0000${path}` : `${runId}\u0000${path}\u0000${call}`;
  const parentOf = (runId: string, path: string): Span | undefined => {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return runs.get(runId);
    const parent = path.slice(0, slash).replace(/(\[\d+\]|#\d+)$/, '');
    return spans.get(key(runId, parent)) ?? parentOf(runId, parent);
  };
  const start = (
    name: string,
    parent: Span | undefined,
    time: number,
    kind: SpanKind,
    attributes: Attributes,
  ) =>
    tracer.startSpan(
      name,
      { kind, startTime: time, attributes },
      parent ? trace.setSpan(context.active(), parent) : undefined,
    );
  const stepSpan = (event: { runId: string; path: string; stepId: string; time: number }, kind?: string) => {
    const found = spans.get(key(event.runId, event.path));
    if (found) return found;
    const agent = kind === 'agent';
    const span = start(
      `${agent ? genAiOperation.invokeAgent : 'step'} ${event.stepId}`,
      parentOf(event.runId, event.path),
      event.time,
      SpanKind.INTERNAL,
      {
        ...(agent
          ? { [genAi.operationName]: genAiOperation.invokeAgent, [genAi.agentName]: event.stepId }
          : {}),
        'baton.run.id': event.runId,
        'baton.step.id': event.stepId,
        'baton.step.path': event.path,
        ...(kind ? { 'baton.step.kind': kind } : {}),
      },
    );
    spans.set(key(event.runId, event.path), span);
    return span;
  };
  const end = (spanKey: string, time: number) => {
    spans.get(spanKey)?.end(time);
    spans.delete(spanKey);
  };
  const onStepError = (event: RunEvent<'step-error'>) => {
    const span = spans.get(key(event.runId, event.path));
    if (!span) return;
    span.addEvent('baton.step.error', errorAttributes(event.error), event.time);
    if (!event.final) return;
    if (event.error.code === 'RUN_CANCELLED') span.setAttributes({ 'baton.step.status': 'cancelled' });
    else {
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.error.message });
      span.setAttributes({ 'baton.step.status': 'failed', [genAi.errorType]: event.error.code });
    }
    end(key(event.runId, event.path), event.time);
  };
  const onRunStart = (event: RunEvent<'run-start'>) => {
    const span = start(
      `${genAiOperation.invokeWorkflow} ${event.workflow}`,
      undefined,
      event.time,
      SpanKind.INTERNAL,
      {
        [genAi.operationName]: genAiOperation.invokeWorkflow,
        [genAi.workflowName]: event.workflow,
        'baton.run.id': event.runId,
        'baton.run.resumed': event.resumed,
      },
    );
    runs.set(event.runId, span);
    if (options.store) void linkEarlierExecutions(options.store, event, span);
  };
  const onRunEnd = (event: RunEvent<'run-end'>) => {
    const span = runs.get(event.runId);
    // Steps still open (a run cancelled during a retry's wait, or waiting) end with the run.
    for (const [spanKey, open] of spans) {
      if (!spanKey.startsWith(`${event.runId}\u0000`)) continue;
      open.setAttributes({ 'baton.step.status': event.status === 'waiting' ? 'waiting' : 'interrupted' });
      end(spanKey, event.time);
    }
    if (!span) return;
    span.setAttributes({ 'baton.run.status': event.status, 'baton.run.cost_usd': event.costUsd });
    if (event.unpriced) span.setAttributes({ 'baton.run.unpriced': true });
    if (event.status === 'failed') {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        ...(event.error ? { message: event.error.message } : {}),
      });
      if (event.error) span.setAttributes({ [genAi.errorType]: event.error.code });
    }
    span.end(event.time);
    runs.delete(event.runId);
  };
  const onModelCall = (event: RunEvent<'model-call'>) => {
    const { provider, model } = genAiModel(event.model);
    const span = start(
      `${genAiOperation.chat} ${model}`,
      spans.get(key(event.runId, event.path)) ?? parentOf(event.runId, event.path),
      event.time - event.durationMs,
      SpanKind.CLIENT,
      modelCallAttributes(event, provider, model, captureContent),
    );
    span.end(event.time);
  };
  const onToolCall = (event: RunEvent<'tool-call'>) => {
    const span = start(
      `${genAiOperation.executeTool} ${event.tool}`,
      spans.get(key(event.runId, event.path)) ?? parentOf(event.runId, event.path),
      event.time,
      SpanKind.INTERNAL,
      {
        [genAi.operationName]: genAiOperation.executeTool,
        [genAi.toolName]: event.tool,
        ...(event.toolCallId !== undefined ? { [genAi.toolCallId]: event.toolCallId } : {}),
        ...(captureContent ? { [genAi.toolCallArguments]: json(event.input) } : {}),
        'baton.run.id': event.runId,
        'baton.step.path': event.path,
        'baton.tool.sequence': event.sequence,
      },
    );
    spans.set(key(event.runId, event.path, event.sequence), span);
  };
  const onToolResult = (event: RunEvent<'tool-result'>) => {
    const spanKey = key(event.runId, event.path, event.sequence);
    const span = spans.get(spanKey);
    if (!span) return;
    if (event.error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.error.message });
      span.setAttributes({ [genAi.errorType]: event.error.code });
    } else if (captureContent) span.setAttributes({ [genAi.toolCallResult]: json(event.output) });
    end(spanKey, event.time);
  };
  return source.subscribe((event) => {
    switch (event.type) {
      case 'run-start':
        return onRunStart(event);
      case 'run-end':
        return onRunEnd(event);
      case 'step-start': {
        const span = stepSpan(event, event.kind);
        span.setAttributes({ 'baton.step.attempt': event.attempt });
        if (event.attempt > 1)
          span.addEvent('baton.attempt.start', { 'baton.step.attempt': event.attempt }, event.time);
        return;
      }
      case 'attempt-retry':
        spans
          .get(key(event.runId, event.path))
          ?.addEvent(
            'baton.attempt.retry',
            { 'baton.step.attempt': event.attempt, 'baton.retry.delay_ms': event.delayMs },
            event.time,
          );
        return;
      case 'model-retry':
        spans.get(key(event.runId, event.path))?.addEvent(
          'baton.model.retry',
          {
            'baton.model': event.model,
            'baton.retry.number': event.retry,
            'baton.retry.delay_ms': event.delayMs,
            ...(event.statusCode !== undefined ? { 'http.response.status_code': event.statusCode } : {}),
            ...errorAttributes(event.error),
          },
          event.time,
        );
        return;
      case 'model-fallback':
        spans
          .get(key(event.runId, event.path))
          ?.addEvent(
            'baton.model.fallback',
            { 'baton.model.from': event.from, 'baton.model.to': event.to, ...errorAttributes(event.error) },
            event.time,
          );
        return;
      case 'model-call':
        return onModelCall(event);
      case 'tool-call':
        return onToolCall(event);
      case 'tool-result':
        return onToolResult(event);
      case 'step-end': {
        const span = stepSpan(event, event.kind);
        span.setAttributes({
          'baton.step.status': event.status,
          'baton.step.attempt': event.attempt,
          'baton.step.output_size': event.outputSize,
          ...(event.costUsd !== undefined ? { 'baton.step.cost_usd': event.costUsd } : {}),
          ...(event.cached ? { 'baton.cached': true } : {}),
          ...(event.replayed ? { 'baton.step.replayed': true } : {}),
        });
        return end(key(event.runId, event.path), event.time);
      }
      case 'step-error':
        return onStepError(event);
      case 'step-skip': {
        const span = stepSpan(event);
        span.setAttributes({ 'baton.step.status': 'skipped', 'baton.step.skip_reason': event.reason });
        return end(key(event.runId, event.path), event.time);
      }
      case 'step-wait':
        stepSpan(event).setAttributes({ 'baton.step.status': 'waiting' });
        return end(key(event.runId, event.path), event.time);
      default:
        return;
    }
  });
}

function errorAttributes(error: { code: string; message: string }): Attributes {
  return { [genAi.errorType]: error.code, 'baton.error.message': error.message };
}
