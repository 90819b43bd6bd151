import { context, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { BatonEvent } from '../core/index.js';

/** Anything that delivers Baton events, such as an engine. */
export interface EventSource {
  subscribe(listener: (event: BatonEvent) => void): () => void;
}

/**
 * Turns run events into OpenTelemetry spans: one span per run, one per step instance (a map item's
 * steps are children of the map step), with retries, tool calls and model calls as span events
 * and token and cost figures as attributes (`gen_ai.*` names where they exist). Returns the
 * function that stops tracing.
 *
 * @example
 * ```ts
 * const stop = traceRuns(baton, trace.getTracer('my-service'));
 * ```
 */
export function traceRuns(source: EventSource, tracer: Tracer = trace.getTracer('baton')): () => void {
  const runs = new Map<string, Span>();
  const steps = new Map<string, Span>();
  const key = (runId: string, path: string) => `${runId}\u0000${path}`;
  const parentOf = (runId: string, path: string): Span | undefined => {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return runs.get(runId);
    const parent = path.slice(0, slash).replace(/(\[\d+\]|#\d+)$/, '');
    return steps.get(key(runId, parent)) ?? parentOf(runId, parent);
  };
  const open = (event: BatonEvent & { runId: string; path: string }, name: string) => {
    const parent = parentOf(event.runId, event.path);
    const span = tracer.startSpan(
      name,
      { startTime: event.time, attributes: { 'baton.run.id': event.runId, 'baton.step.path': event.path } },
      parent ? trace.setSpan(context.active(), parent) : undefined,
    );
    steps.set(key(event.runId, event.path), span);
    return span;
  };
  return source.subscribe((event) => {
    switch (event.type) {
      case 'run-start':
        runs.set(
          event.runId,
          tracer.startSpan(`run ${event.workflow}`, {
            startTime: event.time,
            attributes: {
              'baton.run.id': event.runId,
              'baton.workflow': event.workflow,
              'baton.resumed': event.resumed,
            },
          }),
        );
        break;
      case 'step-start': {
        const span = steps.get(key(event.runId, event.path)) ?? open(event, `step ${event.stepId}`);
        span.setAttributes({ 'baton.step.kind': event.kind, 'baton.step.attempt': event.attempt });
        if (event.attempt > 1) span.addEvent('attempt', { attempt: event.attempt }, event.time);
        break;
      }
      case 'attempt-retry':
        steps
          .get(key(event.runId, event.path))
          ?.addEvent('retry', { attempt: event.attempt, delay_ms: event.delayMs }, event.time);
        break;
      case 'tool-call':
      case 'tool-result':
        steps
          .get(key(event.runId, event.path))
          ?.addEvent(event.type, { tool: event.tool, sequence: event.sequence }, event.time);
        break;
      case 'model-call':
        steps.get(key(event.runId, event.path))?.addEvent(
          'model-call',
          {
            'gen_ai.request.model': event.model,
            'gen_ai.usage.input_tokens': event.usage.inputTokens,
            'gen_ai.usage.output_tokens': event.usage.outputTokens,
            'baton.cost_usd': event.costUsd,
          },
          event.time,
        );
        break;
      case 'step-end': {
        const span = steps.get(key(event.runId, event.path)) ?? open(event, `step ${event.stepId}`);
        span.setAttributes({
          'baton.step.status': event.status,
          'baton.step.output_size': event.outputSize,
          ...(event.model ? { 'gen_ai.request.model': event.model } : {}),
          ...(event.usage
            ? {
                'gen_ai.usage.input_tokens': event.usage.inputTokens,
                'gen_ai.usage.output_tokens': event.usage.outputTokens,
              }
            : {}),
          ...(event.costUsd !== undefined ? { 'baton.cost_usd': event.costUsd } : {}),
          ...(event.replayed ? { 'baton.step.replayed': true } : {}),
        });
        span.end(event.time);
        steps.delete(key(event.runId, event.path));
        break;
      }
      case 'step-error': {
        if (!event.final) break;
        const span = steps.get(key(event.runId, event.path));
        span?.setStatus({ code: SpanStatusCode.ERROR, message: event.error.message });
        span?.setAttributes({ 'baton.error.code': event.error.code, 'baton.step.status': 'failed' });
        span?.end(event.time);
        steps.delete(key(event.runId, event.path));
        break;
      }
      case 'step-skip': {
        const span = open(event, `step ${event.stepId}`);
        span.setAttributes({ 'baton.step.status': 'skipped', 'baton.step.skip_reason': event.reason });
        span.end(event.time);
        steps.delete(key(event.runId, event.path));
        break;
      }
      case 'step-wait': {
        const span = steps.get(key(event.runId, event.path));
        span?.setAttributes({ 'baton.step.status': 'waiting' });
        span?.end(event.time);
        steps.delete(key(event.runId, event.path));
        break;
      }
      case 'run-end': {
        const span = runs.get(event.runId);
        if (!span) break;
        span.setAttributes({
          'baton.run.status': event.status,
          'gen_ai.usage.input_tokens': event.usage.inputTokens,
          'gen_ai.usage.output_tokens': event.usage.outputTokens,
          'baton.cost_usd': event.costUsd,
        });
        if (event.error) span.setStatus({ code: SpanStatusCode.ERROR, message: event.error.message });
        span.end(event.time);
        runs.delete(event.runId);
        break;
      }
      default:
        break;
    }
  });
}
