import { type ToolDefinition, validateWorkflow } from 'baton';
import { describe, expect, it } from 'vitest';
import { loadExample, workflowFiles } from '../load-example.js';
import { inputOf, useShop } from './shop-fixture.js';
import { refundBranching } from './typed-branching.js';

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
  });

  it('refunds an eligible order: one credit, one email, and the final state as output', async () => {
    const { baton, trace } = shop.engine();
    const result = await baton.run(await loadExample(here, 'refund-agent.yaml'), {
      input: inputOf('refund-request.json'),
    });

    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({
      status: 'refunded',
      order_id: 'ORD-1001',
      credit_amount: 199,
      confirmation_number: 'CNF-12345',
      email_sent: true,
      summary: 'Credited $199 (CNF-12345) and emailed ana@example.com.',
    });
    // Each tool ran once, in the order of their dependencies.
    const calls = trace.ofType('tool-call');
    expect(calls.map((call) => call.tool)).toEqual([
      'fetch_order',
      'check_refund_policy',
      'process_credit',
      'send_email',
    ]);
    const credit = calls.find((call) => call.tool === 'process_credit');
    expect(rows('SELECT order_id, amount_cents, idempotency_key FROM credits')).toEqual([
      {
        order_id: 'ORD-1001',
        amount_cents: 19_900,
        idempotency_key: `${result.runId}:refund:${credit?.sequence}`,
      },
    ]);
    const outbox = rows('SELECT to_address, body FROM outbox');
    expect(outbox).toEqual([{ to_address: 'ana@example.com', body: expect.stringContaining('CNF-12345') }]);
  });

  it('denies an order outside the refund window without crediting it', async () => {
    const { baton, trace } = shop.engine();
    const result = await baton.run(await loadExample(here, 'refund-agent.yaml'), {
      input: inputOf('late-refund-request.json'),
    });

    expect(result.output).toMatchObject({
      status: 'denied',
      order_id: 'ORD-1003',
      confirmation_number: null,
    });
    expect(trace.ofType('tool-call').map((call) => call.tool)).toEqual([
      'fetch_order',
      'check_refund_policy',
      'send_email',
    ]);
    expect(rows('SELECT * FROM credits')).toEqual([]);
    expect(rows('SELECT body FROM outbox')).toEqual([
      { body: expect.stringContaining('outside the 30-day window') },
    ]);
  });

  it('does not credit twice when the process stops right after the credit and the run resumes', async () => {
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
    const stopped = await first.baton.run(definition, {
      input: inputOf('refund-request.json'),
      signal: stop.signal,
    });
    expect(stopped.status).toBe('cancelled');
    expect(rows('SELECT confirmation_id FROM credits')).toEqual([{ confirmation_id: 'CNF-12345' }]);

    // Another process opens the same journal and resumes the run.
    const second = shop.engine({ store: shop.journal() });
    const resumed = await second.baton.resume(stopped.runId, { definition });

    expect(resumed.status).toBe('succeeded');
    expect(resumed.output).toMatchObject({ status: 'refunded', confirmation_number: 'CNF-12345' });
    // Finished tool calls came from the journal; the interrupted one ran again with the same key,
    // and the tool recognised it instead of crediting a second time.
    expect(second.trace.ofType('tool-call').map((call) => call.tool)).toEqual([
      'process_credit',
      'send_email',
    ]);
    const [before, after] = [first, second].map((process) =>
      process.trace.ofType('tool-call').find((call) => call.tool === 'process_credit'),
    );
    expect(after?.sequence).toBe(before?.sequence);
    const repeated = second.trace.ofType('tool-result').find((event) => event.tool === 'process_credit');
    expect(repeated?.output).toMatchObject({ confirmation_id: 'CNF-12345', repeated: true });
    expect(rows('SELECT count(*) AS credits FROM credits')).toEqual([{ credits: 1 }]);
    expect(rows('SELECT count(*) AS emails FROM outbox')).toEqual([{ emails: 1 }]);
  });
});
