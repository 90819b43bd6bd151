import {
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromModels } from '../../src/baton.js';
import { createEngine } from '../../src/core/index.js';
import { genAiBuckets } from '../../src/observe/gen-ai-conventions.js';
import { meterRuns } from '../../src/observe/otel-metrics.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../src/testing/index.js';
import { define, setup } from '../core/fixtures.js';

class CollectingReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

async function collected(reader: MetricReader) {
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  const metric = (name: string) => {
    const found = all.find((entry) => entry.descriptor.name === name);
    expect(found, name).toBeDefined();
    return found as NonNullable<typeof found>;
  };
  return { names: all.map((entry) => entry.descriptor.name).sort(), metric };
}

describe('meterRuns', () => {
  it('records the GenAI client histograms per model call and Baton run, step and cost figures', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    const model = createScriptedModel(
      [
        { text: 'one', usage: { inputTokens: 10, outputTokens: 2 } },
        { text: 'two', usage: { inputTokens: 30, outputTokens: 4 } },
      ],
      { provider: 'anthropic.messages', modelId: 'claude-haiku' },
    );
    const engine = createEngine({
      store: new MemoryStore(),
      // Priced per million tokens: 1 USD input, 2 USD output.
      models: fromModels({ fast: { model, pricing: { inputPerMillion: 1, outputPerMillion: 2 } } }),
      tools: { echo: { inputSchema: z.object({}), execute: async () => 'ok' } },
    });
    meterRuns(engine, provider.getMeter('test'));
    await engine.run(
      define({
        steps: [
          { id: 'a', kind: 'llm', prompt: 'first' },
          { id: 'b', kind: 'llm', prompt: 'second' },
          { id: 'c', kind: 'tool', tool: 'echo' },
          { id: 'never', kind: 'transform', value: '0', when: 'false' },
        ],
      }),
    );
    const { names, metric } = await collected(reader);
    expect(names).toEqual([
      'baton.cost',
      'baton.run.duration',
      'baton.runs',
      'baton.step.duration',
      'baton.steps',
      'gen_ai.client.operation.duration',
      'gen_ai.client.token.usage',
    ]);
    const tokens = metric('gen_ai.client.token.usage') as HistogramMetricData;
    expect(tokens.descriptor.unit).toBe('{token}');
    expect(tokens.dataPointType).toBe(DataPointType.HISTOGRAM);
    const byType = Object.fromEntries(
      tokens.dataPoints.map((point) => [String(point.attributes['gen_ai.token.type']), point]),
    );
    expect(byType.input?.value).toMatchObject({ count: 2, sum: 40 });
    expect(byType.output?.value).toMatchObject({ count: 2, sum: 6 });
    expect(byType.input?.value.buckets.boundaries).toEqual(genAiBuckets.tokenUsage);
    expect(byType.input?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-haiku',
      'gen_ai.response.model': 'claude-haiku',
      'gen_ai.token.type': 'input',
    });
    const duration = metric('gen_ai.client.operation.duration') as HistogramMetricData;
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPoints[0]?.value.count).toBe(2);
    expect(duration.dataPoints[0]?.value.buckets.boundaries).toEqual(genAiBuckets.operationDuration);
    const steps = metric('baton.steps');
    const stepCounts = Object.fromEntries(
      steps.dataPoints.map((point) => [
        `${point.attributes['baton.step.status']}/${point.attributes['baton.step.kind'] ?? '-'}`,
        point.value,
      ]),
    );
    expect(stepCounts).toEqual({ 'succeeded/llm': 2, 'succeeded/tool': 1, 'skipped/-': 1 });
    expect(metric('baton.runs').dataPoints.map((point) => [point.attributes, point.value])).toEqual([
      [{ 'baton.workflow': 'test', 'baton.run.status': 'succeeded' }, 1],
    ]);
    const cost = metric('baton.cost');
    expect(cost.descriptor.unit).toBe('USD');
    expect(cost.dataPoints.map((point) => point.attributes)).toEqual([
      { 'baton.workflow': 'test', 'gen_ai.request.model': 'claude-haiku' },
    ]);
    expect(cost.dataPoints[0]?.value).toBeCloseTo((40 * 1 + 6 * 2) / 1e6, 12);
  });

  it('leaves cached answers out of the token and duration histograms', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    const model = createScriptedModel([{ text: 'same', usage: { inputTokens: 5, outputTokens: 1 } }]);
    const { engine } = setup({ models: { fast: model } });
    meterRuns(engine, provider.getMeter('test'));
    const workflow = define({ steps: [{ id: 'a', kind: 'llm', prompt: 'same prompt' }] });
    await engine.run(workflow);
    await engine.run(workflow);
    expect(model.calls).toHaveLength(1);
    const { metric } = await collected(reader);
    const tokens = metric('gen_ai.client.token.usage') as HistogramMetricData;
    expect(tokens.dataPoints.map((point) => point.value.count)).toEqual([1, 1]);
    expect(metric('baton.runs').dataPoints[0]?.value).toBe(2);
  });
});
