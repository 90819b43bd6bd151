import { type Meter, metrics } from '@opentelemetry/api';
import { genAi, genAiBuckets, genAiMetric, genAiModel, genAiOperation } from './gen-ai-conventions.js';
import type { EventSource } from './otel-exporter.js';

/**
 * Records run events as OpenTelemetry metrics: the GenAI client histograms
 * `gen_ai.client.token.usage` and `gen_ai.client.operation.duration` (with the conventions'
 * bucket boundaries) for every model call that reached a model, and Baton's own `baton.runs`,
 * `baton.steps` (counters), `baton.run.duration`, `baton.step.duration` (histograms, seconds) and
 * `baton.cost` (USD, by workflow and model). Returns the function that stops recording.
 *
 * @example
 * ```ts
 * const stop = meterRuns(baton, metrics.getMeter('my-service'));
 * ```
 */
export function meterRuns(source: EventSource, meter: Meter = metrics.getMeter('baton')): () => void {
  const tokenUsage = meter.createHistogram(genAiMetric.tokenUsage, {
    unit: '{token}',
    description: 'Number of input and output tokens used.',
    advice: { explicitBucketBoundaries: [...genAiBuckets.tokenUsage] },
  });
  const operationDuration = meter.createHistogram(genAiMetric.operationDuration, {
    unit: 's',
    description: 'GenAI operation duration.',
    advice: { explicitBucketBoundaries: [...genAiBuckets.operationDuration] },
  });
  const runCount = meter.createCounter('baton.runs', { unit: '{run}', description: 'Run executions ended.' });
  const runDuration = meter.createHistogram('baton.run.duration', {
    unit: 's',
    description: 'Duration of a run execution.',
  });
  const stepCount = meter.createCounter('baton.steps', {
    unit: '{step}',
    description: 'Step instances ended.',
  });
  const stepDuration = meter.createHistogram('baton.step.duration', {
    unit: 's',
    description: 'Duration of a step instance that ran (not replayed).',
  });
  const cost = meter.createCounter('baton.cost', { unit: 'USD', description: 'Cost of model calls.' });
  const workflows = new Map<string, string>();
  return source.subscribe((event) => {
    switch (event.type) {
      case 'run-start':
        workflows.set(event.runId, event.workflow);
        return;
      case 'run-end': {
        const attributes = {
          'baton.workflow': workflows.get(event.runId) ?? '',
          'baton.run.status': event.status,
        };
        runCount.add(1, attributes);
        runDuration.record(event.durationMs / 1000, attributes);
        workflows.delete(event.runId);
        return;
      }
      case 'step-end':
      case 'step-error':
      case 'step-skip': {
        if (event.type === 'step-error' && !event.final) return;
        const status =
          event.type === 'step-end'
            ? event.status
            : event.type === 'step-skip'
              ? 'skipped'
              : event.error.code === 'RUN_CANCELLED'
                ? 'cancelled'
                : 'failed';
        const attributes = {
          'baton.workflow': workflows.get(event.runId) ?? '',
          'baton.step.status': status,
          ...(event.type === 'step-end' ? { 'baton.step.kind': event.kind } : {}),
        };
        stepCount.add(1, attributes);
        if (event.type === 'step-end' && !event.replayed)
          stepDuration.record(event.durationMs / 1000, attributes);
        return;
      }
      case 'model-call': {
        // A cached answer reached no model: it used no tokens and took no model time.
        if (event.cached) return;
        const { provider, model } = genAiModel(event.model);
        const attributes = {
          [genAi.operationName]: genAiOperation.chat,
          ...(provider !== undefined ? { [genAi.providerName]: provider } : {}),
          [genAi.requestModel]: model,
          ...(event.responseModel !== undefined ? { [genAi.responseModel]: event.responseModel } : {}),
        };
        tokenUsage.record(event.usage.inputTokens, { ...attributes, [genAi.tokenType]: 'input' });
        tokenUsage.record(event.usage.outputTokens, { ...attributes, [genAi.tokenType]: 'output' });
        operationDuration.record(event.durationMs / 1000, attributes);
        if (!event.unpriced) {
          cost.add(event.costUsd, {
            'baton.workflow': workflows.get(event.runId) ?? '',
            [genAi.requestModel]: model,
          });
        }
        return;
      }
      default:
        return;
    }
  });
}
