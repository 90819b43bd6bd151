import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadWorkflowFile } from '../src/authoring/yaml/index.js';
import { fromModels } from '../src/baton.js';
import { createEngine } from '../src/core/index.js';
import { traceRuns } from '../src/observe/otel-exporter.js';
import { meterRuns } from '../src/observe/otel-metrics.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import { createScriptedModel } from '../src/testing/index.js';

// docs/observability.md describes spans and metrics; this runs its workflow and compares.
const page = readFileSync(resolve(import.meta.dirname, '../docs/observability.md'), 'utf8');

class CollectingReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

/** The cells of the first table after a heading, row by row (without the header rows). */
function tableAfter(heading: string): string[][] {
  const start = page.indexOf(heading);
  expect(start, heading).toBeGreaterThan(-1);
  const table = /(?:^\|[^\n]*\|\n)+/m.exec(page.slice(start))?.[0] ?? '';
  return table
    .trim()
    .split('\n')
    .slice(2)
    .map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

/** The names written in backticks in a cell. */
const namesIn = (cell: string | undefined) =>
  Array.from((cell ?? '').matchAll(/`([^`]+)`/g), (match) => match[1] ?? '');

let spans: ReadableSpan[] = [];
let metricNames: Map<string, Set<string>>;

beforeAll(async () => {
  const yaml = /```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
  const directory = mkdtempSync(join(tmpdir(), 'baton-observability-'));
  writeFileSync(join(directory, 'support.yaml'), yaml);
  const definition = await loadWorkflowFile(join(directory, 'support.yaml'));
  const model = createScriptedModel(
    {
      byStep: {
        classify: { text: 'order', usage: { inputTokens: 20, outputTokens: 1 } },
        answer: [
          {
            toolCalls: [{ toolName: 'lookup_order', input: { id: '42' } }],
            usage: { inputTokens: 40, outputTokens: 9 },
          },
          { text: 'Order 42 shipped yesterday.', usage: { inputTokens: 60, outputTokens: 8 } },
        ],
      },
    },
    { provider: 'openai', modelId: 'gpt-4o-mini' },
  );
  const store = new MemoryStore();
  const engine = createEngine({
    store,
    models: fromModels({
      'openai:gpt-4o-mini': { model, pricing: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
    }),
    tools: {
      lookup_order: {
        inputSchema: z.object({ id: z.string() }),
        execute: async ({ id }) => ({ id, shipped: true }),
      },
    },
    captureModelContent: true,
  });
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer(
    'docs',
  );
  traceRuns(engine, { tracer, store, captureContent: true });
  const reader = new CollectingReader();
  meterRuns(engine, new MeterProvider({ readers: [reader] }).getMeter('docs'));
  const result = await engine.run(definition, { input: { question: 'Where is order 42?' } });
  expect(result.status).toBe('succeeded');
  spans = exporter.getFinishedSpans();
  const { resourceMetrics } = await reader.collect();
  metricNames = new Map(
    resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .map((metric) => [
        metric.descriptor.name,
        new Set(metric.dataPoints.flatMap((point) => Object.keys(point.attributes))),
      ]),
  );
});

describe('docs/observability.md', () => {
  it('draws the span tree of its workflow as the exporter makes it', () => {
    const drawn = /```text\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const childrenOf = (parent: string | undefined) =>
      spans
        .filter((span) => span.parentSpanContext?.spanId === parent)
        .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    const lines: string[] = [];
    const draw = (span: ReadableSpan, prefix: string, branch: string) => {
      lines.push(`${prefix}${branch}${span.name} ${SpanKind[span.kind]}`);
      const children = childrenOf(span.spanContext().spanId);
      const inner = prefix + (branch === '' ? '' : branch === '├── ' ? '│   ' : '    ');
      for (const [index, child] of children.entries()) {
        draw(child, inner, index === children.length - 1 ? '└── ' : '├── ');
      }
    };
    for (const root of childrenOf(undefined)) draw(root, '', '');
    const normalize = (line: string) => line.replace(/\s+/g, ' ').trim();
    expect(lines.map(normalize)).toEqual(drawn.trim().split('\n').map(normalize));
  });

  const sections: Array<[string, (span: ReadableSpan) => boolean]> = [
    ['### `invoke_workflow {workflow}`', (span) => span.name.startsWith('invoke_workflow ')],
    ['### `step {id}` and `invoke_agent {id}`', (span) => /^(step|invoke_agent) /.test(span.name)],
    ['### `chat {model}`', (span) => span.name.startsWith('chat ')],
    ['### `execute_tool {tool}`', (span) => span.name.startsWith('execute_tool ')],
  ];
  for (const [heading, isOfKind] of sections) {
    it(`lists every attribute of the ${heading.slice(4)} spans, and those marked always are always there`, () => {
      const rows = tableAfter(heading).map((cells) => ({
        names: namesIn(cells[0]),
        present: cells[2] ?? '',
      }));
      const documented = new Set(rows.flatMap((row) => row.names));
      const ofKind = spans.filter(isOfKind);
      expect(ofKind.length).toBeGreaterThan(0);
      const emitted = new Set(ofKind.flatMap((span) => Object.keys(span.attributes)));
      expect([...emitted].filter((name) => !documented.has(name))).toEqual([]);
      for (const row of rows.filter((entry) => entry.present.startsWith('always'))) {
        for (const span of ofKind)
          expect(Object.keys(span.attributes), `${span.name}`).toEqual(expect.arrayContaining(row.names));
      }
      for (const row of rows.filter((entry) => entry.present === 'agent steps')) {
        for (const span of ofKind.filter((entry) => entry.name.startsWith('invoke_agent '))) {
          expect(Object.keys(span.attributes)).toEqual(expect.arrayContaining(row.names));
        }
      }
    });
  }

  it('runs its TypeScript example', async () => {
    const code = /```ts\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    expect(code).toContain('traceRuns(');
    const directory = resolve(import.meta.dirname, '.docs-observability');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, 'example.ts');
    writeFileSync(
      file,
      `${code.replace(/from 'baton'/g, `from '${resolve(import.meta.dirname, '../src/index.js')}'`)}\nexport { baton, stopTracing, stopMetering };\n`,
    );
    try {
      const example = (await import(file)) as { stopTracing: () => void; stopMetering: () => void };
      example.stopTracing();
      example.stopMetering();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('lists the metrics with the attributes they carry', () => {
    const rows = tableAfter('## Metrics');
    const documented = new Map(rows.map((cells) => [namesIn(cells[0])[0] ?? '', new Set(namesIn(cells[3]))]));
    expect([...metricNames.keys()].sort()).toEqual([...documented.keys()].sort());
    for (const [name, attributes] of metricNames) {
      expect(
        [...attributes].filter((attribute) => !documented.get(name)?.has(attribute)),
        name,
      ).toEqual([]);
    }
  });
});
