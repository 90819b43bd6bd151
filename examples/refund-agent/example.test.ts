import { type ToolDefinition, validateWorkflow } from 'baton';
import { describe, expect, it } from 'vitest';
import { loadExample, workflowFiles } from '../load-example.js';
import { scriptedRefundAgent } from './scripted-refund-agent.js';
import { inputOf, useShop } from './shop-fixture.js';
import { refundBranching } from './typed-branching.js';
import { typedRefundAgent } from './typed-refund-agent.js';

const here = import.meta.dirname;
const shop = useShop();
const rows = shop.rows;

describe('refund agent example', () => {
  it('has only valid workflow files, each with the tools of tools.ts', async () => {
    expect(workflowFiles(here)).toEqual([
      'aggregation.yaml',
      'branching.yaml',
      'linear-sequence.yaml',
      'looping.yaml',
      'refund-agent.yaml',
    ]);
    for (const file of workflowFiles(here)) {
      const definition = await loadExample(here, file);
      expect(validateWorkflow(definition.workflow, definition.functions).problems).toEqual([]);
      expect(Object.keys(definition.tools).sort()).toEqual(Object.keys(shop.tools()).sort());
    }
    expect(validateWorkflow(refundBranching.workflow, refundBranching.functions).problems).toEqual([]);
    expect(validateWorkflow(typedRefundAgent.workflow, typedRefundAgent.functions).problems).toEqual([]);
  });

  it('refunds an eligible order after a person approves the credit: one credit, one email, COMPLETE', async () => {
    const { baton, trace } = shop.engine();
    const definition = await loadExample(here, 'refund-agent.yaml');
    const waiting = await baton.run(definition, { input: inputOf('refund-request.json') });

    // $199 is above the $100 that needs a person: the credit waits, nothing is credited yet.
    expect(waiting.status).toBe('waiting');
    expect(waiting.waiting?.calls).toEqual([
      { path: 'refund', call: 5, tool: 'process_credit', args: expect.objectContaining({ amount: 199 }) },
    ]);
    expect(rows('SELECT * FROM credits')).toEqual([]);

    const result = await baton.approve(waiting.runId, 'refund', { by: 'ana', call: 5 }, { definition });
    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({
      status: 'COMPLETE',
      order: { order_id: 'ORD-1001', customer_email: 'ana@example.com' },
      max_refund: 199,
      confirmation: 'CNF-12345',
    });
    // Each tool ran once, in the order of the states.
    const calls = trace.ofType('tool-call');
    expect(calls.map((call) => call.tool)).toEqual([
      'fetch_order',
      'check_refund_policy',
      'process_credit',
      'send_email',
    ]);
    expect(rows('SELECT order_id, amount_cents, idempotency_key FROM credits')).toEqual([
      { order_id: 'ORD-1001', amount_cents: 19_900, idempotency_key: `${result.runId}:refund:5` },
    ]);
    const outbox = rows('SELECT to_address, body FROM outbox');
    expect(outbox).toEqual([{ to_address: 'ana@example.com', body: expect.stringContaining('CNF-12345') }]);
  });

  it('ends FAILED for an order outside the refund window, without a credit or another model call', async () => {
    const { baton, trace } = shop.engine();
    const result = await baton.run(await loadExample(here, 'refund-agent.yaml'), {
      input: inputOf('late-refund-request.json'),
    });

    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({
      code: 'AGENT_FAILED',
      details: { state: { status: 'FAILED', reason: expect.stringContaining('outside the 30-day window') } },
    });
    expect(trace.ofType('tool-call').map((call) => call.tool)).toEqual([
      'fetch_order',
      'check_refund_policy',
    ]);
    expect(trace.ofType('model-call')).toHaveLength(2);
    expect(rows('SELECT * FROM credits')).toEqual([]);
  });

  it('does not credit twice when the process stops right after the approved credit and the run resumes', async () => {
    const definition = await loadExample(here, 'refund-agent.yaml');
    const tools = shop.tools();
    // The first process dies between committing the credit and journaling its result.
    const stop = new AbortController();
    const crashing: Record<string, ToolDefinition> = {
      ...tools,
      process_credit: {
        ...tools.process_credit,
        execute: async (input, context) => {
          await tools.process_credit.execute(input as never, context);
          stop.abort(new Error('process killed'));
          throw new Error('process killed');
        },
      },
    };
    const first = shop.engine({ tools: crashing, store: shop.journal() });
    const waiting = await first.baton.run(definition, { input: inputOf('refund-request.json') });
    expect(waiting.status).toBe('waiting');
    const stopped = await first.baton.approve(
      waiting.runId,
      'refund',
      { by: 'ana' },
      { signal: stop.signal },
    );
    expect(stopped.status).toBe('cancelled');
    expect(rows('SELECT confirmation_id FROM credits')).toEqual([{ confirmation_id: 'CNF-12345' }]);

    // Another process opens the same journal and resumes the run: it does not ask again.
    const second = shop.engine({ store: shop.journal() });
    const resumed = await second.baton.resume(stopped.runId, { definition });

    expect(resumed.status).toBe('succeeded');
    expect(resumed.output).toMatchObject({ status: 'COMPLETE', confirmation: 'CNF-12345' });
    expect(second.trace.ofType('approval-request')).toEqual([]);
    // Finished tool calls came from the journal; the interrupted one ran again with the same key,
    // and the tool recognised it instead of crediting a second time.
    expect(second.trace.ofType('tool-call').map((call) => call.tool)).toEqual([
      'process_credit',
      'send_email',
    ]);
    const repeated = second.trace.ofType('tool-result').find((event) => event.tool === 'process_credit');
    expect(repeated?.output).toMatchObject({ confirmation_id: 'CNF-12345', repeated: true });
    expect(rows('SELECT count(*) AS credits FROM credits')).toEqual([{ credits: 1 }]);
    expect(rows('SELECT count(*) AS emails FROM outbox')).toEqual([{ emails: 1 }]);
  });

  it('runs the typed version: a reduce function moves the state, a function of the state writes each system prompt', async () => {
    const smart = scriptedRefundAgent();
    const { baton, trace } = shop.engine({ smart });
    const result = await baton.run(typedRefundAgent, {
      input: { order_id: 'ORD-1004', request: 'The case cracked.' },
    });
    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({
      status: 'COMPLETE',
      order_id: 'ORD-1004',
      max_refund: 25,
      confirmation: 'CNF-12345',
    });
    expect(trace.ofType('model-call')).toHaveLength(4);
    const systems = smart.calls.map((call) =>
      String(call.prompt.find((message) => message.role === 'system')?.content),
    );
    expect(systems.map((system) => /Current workflow state: (\w+)/.exec(system)?.[1])).toEqual([
      'PENDING',
      'VALIDATING_REFUND',
      'PROCESSING_CREDIT',
      'SENDING_EMAIL',
    ]);
    expect(rows('SELECT amount_cents FROM credits')).toEqual([{ amount_cents: 2_500 }]);
  });
});
