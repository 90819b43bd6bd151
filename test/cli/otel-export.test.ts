import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBuiltCli } from './built-cli.js';
import { makeWorkspace, runIdOf } from './cli-harness.js';

const workflow = `
name: greeting
steps:
  - id: greet
    kind: llm
    prompt: "Say hello"
    temperature: 0.3
  - id: loud
    kind: transform
    value: "$uppercase(steps.greet)"
`;

interface Received {
  path: string;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A loopback OTLP/HTTP receiver: accepts every export and keeps it. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      const json = request.headers['content-type']?.includes('json');
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Array<{ key: string; value: OtlpValue }>;
  links?: Array<{ traceId: string; spanId: string }>;
}

const plain = (value: OtlpValue): unknown =>
  value.arrayValue
    ? value.arrayValue.values.map(plain)
    : (value.stringValue ??
      (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
      value.doubleValue ??
      value.boolValue);

function spansOf(
  received: Received[],
): Array<Omit<OtlpSpan, 'attributes'> & { attributes: Record<string, unknown> }> {
  return received
    .filter((entry) => entry.path === '/v1/traces')
    .flatMap((entry) => {
      const body = JSON.parse(entry.body.toString('utf8')) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      return body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
    })
    .map((span) => ({
      ...span,
      attributes: Object.fromEntries(span.attributes.map(({ key, value }) => [key, plain(value)])),
    }));
}

beforeAll(() => ensureBuilt(), 180_000);

let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('baton run with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports the run as GenAI spans and metrics over OTLP/HTTP JSON, with the configured headers', async () => {
    receiver = await startReceiver();
    const cwd = makeWorkspace({ 'greeting.yaml': workflow });
    const result = await runBuiltCli(['run', 'greeting.yaml', '--mock'], {
      cwd,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-team=evals',
        OTEL_SERVICE_NAME: 'greeter',
      },
    });
    expect(result.stderr).not.toContain('telemetry failed');
    expect(result.code).toBe(0);
    const runId = runIdOf(result.stdout);
    const paths = receiver.received.map((entry) => entry.path);
    expect(paths).toContain('/v1/traces');
    expect(paths).toContain('/v1/metrics');
    expect(receiver.received.every((entry) => entry.headers['x-team'] === 'evals')).toBe(true);
    expect(receiver.received.every((entry) => entry.contentType.startsWith('application/json'))).toBe(true);

    const spans = spansOf(receiver.received);
    const byName = Object.fromEntries(spans.map((span) => [span.name, span]));
    expect(Object.keys(byName).sort()).toEqual([
      'chat default',
      'invoke_workflow greeting',
      'step greet',
      'step loud',
    ]);
    const run = byName['invoke_workflow greeting'];
    expect(run?.attributes).toMatchObject({ 'baton.run.id': runId, 'gen_ai.workflow.name': 'greeting' });
    const chat = byName['chat default'];
    expect(chat?.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(chat?.parentSpanId).toBe(byName['step greet']?.spanId);
    expect(chat?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.model': 'default',
      'gen_ai.request.temperature': 0.3,
      'baton.model': 'mock:default',
    });
    expect(chat?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    const traces = receiver.received.find((entry) => entry.path === '/v1/traces');
    expect(traces?.body.toString('utf8')).toContain('"stringValue":"greeter"');

    const metrics = receiver.received
      .filter((entry) => entry.path === '/v1/metrics')
      .map((entry) => entry.body.toString('utf8'))
      .join('\n');
    expect(metrics).toContain('"name":"gen_ai.client.token.usage"');
    expect(metrics).toContain('"name":"gen_ai.client.operation.duration"');
    expect(metrics).toContain('"name":"baton.runs"');
  });

  it('sends protobuf by default, and nothing when no endpoint is set', async () => {
    receiver = await startReceiver();
    const cwd = makeWorkspace({ 'greeting.yaml': workflow });
    const quiet = await runBuiltCli(['run', 'greeting.yaml', '--mock'], {
      cwd,
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-team=evals' },
    });
    expect(quiet.code).toBe(0);
    expect(receiver.received).toEqual([]);

    const result = await runBuiltCli(['run', 'greeting.yaml', '--mock'], {
      cwd,
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces` },
    });
    expect(result.code).toBe(0);
    // Only traces were asked for, at their own URL.
    expect(receiver.received.map((entry) => entry.path)).toEqual(['/custom/traces']);
    const [traces] = receiver.received;
    expect(traces?.contentType).toBe('application/x-protobuf');
    const body = traces?.body.toString('latin1') ?? '';
    for (const text of [
      'invoke_workflow greeting',
      'chat default',
      'gen_ai.request.model',
      runIdOf(result.stdout),
    ]) {
      expect(body).toContain(text);
    }
  });

  it('links the trace of an approved run to the trace of the execution that waited', async () => {
    receiver = await startReceiver();
    const cwd = makeWorkspace({
      'approve.yaml': `name: approve
steps:
  - id: draft
    kind: llm
    prompt: "Draft a reply"
  - id: review
    kind: approval
    subject: { reply: "{{ steps.draft }}" }
`,
    });
    const env = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    };
    const waiting = await runBuiltCli(['run', 'approve.yaml', '--mock'], { cwd, env });
    expect(waiting.code).toBe(3);
    const runId = runIdOf(waiting.stdout);
    const approved = await runBuiltCli(['approve', runId, 'review', '--mock'], { cwd, env });
    expect(approved.code, approved.stderr).toBe(0);
    const runs = spansOf(receiver.received).filter((span) => span.name === 'invoke_workflow approve');
    expect(runs.map((span) => span.attributes['baton.run.status'])).toEqual(['waiting', 'succeeded']);
    const [first, second] = runs;
    expect(second?.traceId).not.toBe(first?.traceId);
    expect(second?.links?.map((link) => [link.traceId, link.spanId])).toEqual([
      [first?.traceId, first?.spanId],
    ]);
  });

  it('refuses a protocol it cannot send, naming the variable', async () => {
    const cwd = makeWorkspace({ 'greeting.yaml': workflow });
    const result = await runBuiltCli(['run', 'greeting.yaml', '--mock'], {
      cwd,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=grpc');
    expect(result.stderr).toContain('http/protobuf');
  });
});
