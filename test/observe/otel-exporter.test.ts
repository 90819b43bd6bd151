import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { traceRuns } from '../../src/observe/otel-exporter.js';
import { define, setup } from '../core/fixtures.js';

describe('traceRuns', () => {
  it('makes a span per run and per step, nesting map items under the map', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const { engine } = setup();
    const stop = traceRuns(engine, provider.getTracer('test'));
    const result = await engine.run(
      define({
        steps: [
          { id: 'list', kind: 'transform', value: '[1, 2]' },
          {
            id: 'each',
            kind: 'map',
            items: 'steps.list',
            steps: [{ id: 'double', kind: 'transform', value: 'item * 2' }],
          },
          { id: 'never', kind: 'transform', value: '0', when: 'false' },
        ],
      }),
    );
    stop();
    const spans = exporter.getFinishedSpans();
    const byName = (name: string) => spans.filter((span) => span.name === name);
    const run = byName('run test')[0];
    expect(run?.attributes).toMatchObject({ 'baton.run.id': result.runId, 'baton.run.status': 'succeeded' });
    const map = byName('step each')[0];
    expect(map?.parentSpanContext?.spanId).toBe(run?.spanContext().spanId);
    expect(byName('step double').map((span) => span.parentSpanContext?.spanId)).toEqual([
      map?.spanContext().spanId,
      map?.spanContext().spanId,
    ]);
    expect(
      byName('step double')
        .map((span) => span.attributes['baton.step.path'])
        .sort(),
    ).toEqual(['each[0]/double', 'each[1]/double']);
    expect(byName('step never')[0]?.attributes).toMatchObject({ 'baton.step.status': 'skipped' });
  });
});
