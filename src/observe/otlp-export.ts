import { BatonError, type Store } from '../core/index.js';
import { captureContentFromEnvironment } from './gen-ai-conventions.js';
import { type EventSource, traceRuns } from './otel-exporter.js';
import { meterRuns } from './otel-metrics.js';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Exports the engine's runs as OTLP traces and metrics when the standard variables ask for it
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
 * `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`); the exporters read their URL, headers and timeout from
 * the same variables. The OpenTelemetry SDK and exporters are loaded only then, so a process
 * without them pays nothing. Returns undefined when nothing is exported, else `end`, which stops
 * listening and sends what the exporters still hold (call it before the process exits).
 *
 * @example
 * ```ts
 * const telemetry = await exportRunTelemetry(baton, { store, version: '1.0.0' });
 * await baton.run(definition);
 * await telemetry?.end();
 * ```
 */
export async function exportRunTelemetry(
  source: EventSource,
  options: { store?: Store; version: string; environment?: Environment },
): Promise<{ end(): Promise<void> } | undefined> {
  const { store, version, environment = process.env } = options;
  if (environment.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return undefined;
  const traces = signalWanted(environment, 'TRACES');
  const metrics = signalWanted(environment, 'METRICS');
  if (!traces && !metrics) return undefined;
  const { resourceFromAttributes, detectResources, envDetector } = await import('@opentelemetry/resources');
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over Baton's defaults.
  const resource = resourceFromAttributes({ 'service.name': 'baton', 'service.version': version }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const stops: Array<() => void> = [];
  const shutdowns: Array<() => Promise<void>> = [];
  if (traces) {
    const { TracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
    const { OTLPTraceExporter } =
      protocolOf(environment, 'TRACES') === 'http/json'
        ? await import('@opentelemetry/exporter-trace-otlp-http')
        : await import('@opentelemetry/exporter-trace-otlp-proto');
    const provider = new TracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
    });
    const captureContent = captureContentFromEnvironment(environment);
    const tracer = provider.getTracer('baton', version);
    stops.push(traceRuns(source, { tracer, captureContent, ...(store ? { store } : {}) }));
    shutdowns.push(() => provider.shutdown());
  }
  if (metrics) {
    const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
    const { OTLPMetricExporter } =
      protocolOf(environment, 'METRICS') === 'http/json'
        ? await import('@opentelemetry/exporter-metrics-otlp-http')
        : await import('@opentelemetry/exporter-metrics-otlp-proto');
    const provider = new MeterProvider({
      resource,
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() })],
    });
    stops.push(meterRuns(source, provider.getMeter('baton', version)));
    shutdowns.push(() => provider.shutdown());
  }
  return {
    async end() {
      for (const stop of stops) stop();
      await Promise.all(shutdowns.map((shutdown) => shutdown()));
    },
  };
}

function signalWanted(environment: Environment, signal: 'TRACES' | 'METRICS'): boolean {
  const exporter = environment[`OTEL_${signal}_EXPORTER`];
  if (exporter?.split(',').every((name) => name.trim() === 'none')) return false;
  return Boolean(
    environment.OTEL_EXPORTER_OTLP_ENDPOINT || environment[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`],
  );
}

function protocolOf(environment: Environment, signal: 'TRACES' | 'METRICS'): 'http/json' | 'http/protobuf' {
  const variable = environment[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`]
    ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = environment[variable] ?? 'http/protobuf';
  if (protocol === 'http/json' || protocol === 'http/protobuf') return protocol;
  throw new BatonError('CONFIG_INVALID', `${variable}=${protocol} is not a protocol baton exports with.`, {
    hint: 'Use http/protobuf (the default) or http/json; for a gRPC collector, enable its OTLP/HTTP receiver (port 4318).',
    details: { variable, protocol },
  });
}
