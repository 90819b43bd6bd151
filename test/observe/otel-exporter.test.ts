import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step, ToolDefinition } from '../../src/core/index.js';
import { type TraceOptions, traceRuns } from '../../src/observe/otel-exporter.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { createScriptedModel, type ScriptedModel } from '../../src/testing/index.js';
import { define, setup } from '../core/fixtures.js';

function tracing(options: Omit<TraceOptions, 'tracer'> = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => spans().filter((span) => span.name === name);
  const one = (name: string): ReadableSpan => {
    const found = named(name);
    expect(found.map((span) => span.name)).toEqual([name]);
    return found[0] as ReadableSpan;
  };
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  return {
    tracer: provider.getTracer('test'),
    options: { ...options, tracer: provider.getTracer('test') },
    spans,
    named,
    one,
    parentOf,
  };
}

const openaiModel = (responses: Parameters<typeof createScriptedModel>[0]): ScriptedModel =>
  createScriptedModel(responses, { provider: 'openai.chat', modelId: 'gpt-4o-mini' });

const lookup: Record<string, ToolDefinition> = {
  lookup: { inputSchema: z.object({ id: z.string() }), execute: async ({ id }) => `order ${id} shipped` },
};

describe('traceRuns', () => {
  it('makes a span per run and per step, nesting map items under the map', async () => {
    const traced = tracing();
    const { engine } = setup();
    const stop = traceRuns(engine, traced.options);
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
    const run = traced.one('invoke_workflow test');
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'test',
      'baton.run.id': result.runId,
      'baton.run.status': 'succeeded',
    });
    const map = traced.one('step each');
    expect(traced.parentOf(map)).toBe(run.spanContext().spanId);
    const items = traced.named('step double');
    expect(items.map(traced.parentOf)).toEqual([map.spanContext().spanId, map.spanContext().spanId]);
    expect(items.map((span) => span.attributes['baton.step.path']).sort()).toEqual([
      'each[0]/double',
      'each[1]/double',
    ]);
    expect(traced.one('step never').attributes).toMatchObject({ 'baton.step.status': 'skipped' });
  });

  it('makes a CLIENT chat span per model call with the GenAI attributes, and counts usage only there', async () => {
    const traced = tracing();
    const model = openaiModel([{ text: 'Hello.', usage: { inputTokens: 12, outputTokens: 3 } }]);
    const { engine } = setup({ models: { fast: model } });
    traceRuns(engine, traced.options);
    await engine.run(
      define({
        steps: [{ id: 'greet', kind: 'llm', prompt: 'Say hello', temperature: 0.2, maxOutputTokens: 50 }],
      }),
    );
    const chat = traced.one('chat gpt-4o-mini');
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(traced.parentOf(chat)).toBe(traced.one('step greet').spanContext().spanId);
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 50,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'baton.model': 'openai.chat:gpt-4o-mini',
      'baton.step.path': 'greet',
      'baton.cached': false,
    });
    const withUsage = traced.spans().filter((span) => 'gen_ai.usage.input_tokens' in span.attributes);
    expect(withUsage.map((span) => span.name)).toEqual(['chat gpt-4o-mini']);
    expect(chat.attributes['gen_ai.input.messages']).toBeUndefined();
  });

  it('makes an execute_tool span per tool call under the invoke_agent span, with the call id', async () => {
    const traced = tracing();
    const model = openaiModel([
      { toolCalls: [{ toolName: 'lookup', input: { id: '42' }, toolCallId: 'call_abc' }] },
      'It shipped.',
    ]);
    const { engine } = setup({ models: { fast: model }, tools: lookup });
    traceRuns(engine, traced.options);
    await engine.run(
      define({
        steps: [{ id: 'helper', kind: 'agent', prompt: 'Where is 42?', tools: ['lookup'], maxIterations: 3 }],
      }),
    );
    const agent = traced.one('invoke_agent helper');
    expect(agent.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'helper',
    });
    const tool = traced.one('execute_tool lookup');
    expect(traced.parentOf(tool)).toBe(agent.spanContext().spanId);
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup',
      'gen_ai.tool.call.id': 'call_abc',
    });
    expect(tool.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    const chats = traced.named('chat gpt-4o-mini');
    expect(chats.map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([
      ['tool-calls'],
      ['stop'],
    ]);
    expect(chats.every((span) => traced.parentOf(span) === agent.spanContext().spanId)).toBe(true);
  });

  it('records prompts, answers and tool arguments only when content capture is on', async () => {
    const traced = tracing({ captureContent: true });
    const model = openaiModel([{ toolCalls: [{ toolName: 'lookup', input: { id: '42' } }] }, 'It shipped.']);
    const { engine } = setup({ models: { fast: model }, tools: lookup, captureModelContent: true });
    traceRuns(engine, traced.options);
    await engine.run(
      define({
        steps: [
          {
            id: 'helper',
            kind: 'agent',
            system: 'Be brief.',
            prompt: 'Where is 42?',
            tools: ['lookup'],
            maxIterations: 3,
          },
        ],
      }),
    );
    const [first] = traced.named('chat gpt-4o-mini');
    expect(first?.attributes['gen_ai.system_instructions']).toContain('Be brief.');
    expect(JSON.parse(String(first?.attributes['gen_ai.input.messages']))).toEqual([
      expect.objectContaining({ role: 'user', content: 'Where is 42?' }),
    ]);
    expect(String(first?.attributes['gen_ai.output.messages'])).toContain('lookup');
    expect(traced.one('execute_tool lookup').attributes).toMatchObject({
      'gen_ai.tool.call.arguments': '{"id":"42"}',
      'gen_ai.tool.call.result': 'order 42 shipped',
    });
  });

  it('puts retries on the step span as events and marks a failed step as an error', async () => {
    const traced = tracing();
    let calls = 0;
    const flaky: ToolDefinition = {
      inputSchema: z.object({}),
      execute: async () => {
        calls++;
        throw new Error(`down ${calls}`);
      },
    };
    const { engine } = setup({ tools: { flaky } });
    traceRuns(engine, traced.options);
    const steps: Step[] = [
      {
        id: 'call',
        kind: 'tool',
        tool: 'flaky',
        retry: { maxAttempts: 2, retryOn: 'all', initialDelayMs: 1 },
      },
    ];
    await engine.run(define({ steps }));
    const step = traced.one('step call');
    expect(step.events.map((event) => event.name)).toEqual([
      'baton.step.error',
      'baton.attempt.retry',
      'baton.attempt.start',
      'baton.step.error',
    ]);
    expect(step.events[1]?.attributes).toMatchObject({ 'baton.step.attempt': 2 });
    expect(step.status.code).toBe(SpanStatusCode.ERROR);
    expect(step.attributes).toMatchObject({ 'baton.step.status': 'failed', 'baton.step.attempt': 2 });
    expect(traced.named('execute_tool flaky').map((span) => span.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
    ]);
    expect(traced.one('invoke_workflow test').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('leaves a cancelled step unset, and links a resumed run to the trace of its earlier execution', async () => {
    const store = new MemoryStore();
    const traced = tracing({ store });
    const controller = new AbortController();
    const hold: ToolDefinition = {
      inputSchema: z.object({}),
      execute: async (_input, context) => {
        controller.abort(new Error('process stopped'));
        if (context.abortSignal.aborted) throw context.abortSignal.reason;
        return 'held';
      },
    };
    const steps: Step[] = [{ id: 'wait', kind: 'tool', tool: 'hold' }];
    const first = setup({ store, tools: { hold } }).engine;
    traceRuns(first, traced.options);
    const stopped = await first.run(define({ steps }), { signal: controller.signal });
    expect(stopped.status).toBe('cancelled');
    const cancelledStep = traced.one('step wait');
    expect(cancelledStep.status.code).toBe(SpanStatusCode.UNSET);
    expect(cancelledStep.attributes['baton.step.status']).toBe('cancelled');
    const firstRun = traced.one('invoke_workflow test');
    expect(firstRun.status.code).toBe(SpanStatusCode.UNSET);
    expect(firstRun.attributes['baton.run.status']).toBe('cancelled');

    const again: ToolDefinition = { inputSchema: z.object({}), execute: async () => 'done' };
    const second = setup({ store, tools: { hold: again } }).engine;
    traceRuns(second, traced.options);
    await second.resume(stopped.runId);
    const runs = traced.named('invoke_workflow test');
    expect(runs).toHaveLength(2);
    const resumed = runs[1] as ReadableSpan;
    expect(resumed.spanContext().traceId).not.toBe(firstRun.spanContext().traceId);
    expect(resumed.links.map((link) => link.context.spanId)).toEqual([firstRun.spanContext().spanId]);
    expect(resumed.links[0]?.context.traceId).toBe(firstRun.spanContext().traceId);
    const journaled = await store.listSubCalls(stopped.runId, '');
    expect(journaled.map((call) => [call.kind, call.sequence])).toEqual([
      ['trace', 1],
      ['trace', 2],
    ]);
  });
});
