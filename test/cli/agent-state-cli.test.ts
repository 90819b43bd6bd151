import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runBuiltCli } from './built-cli-tsx.js';
import {
  type ChatReply,
  type ChatRequest,
  startChatServer,
  systemOf,
  toolResultsOf,
  toolsOf,
} from './chat-server.js';
import { makeWorkspace, runIdOf } from './cli-harness.js';

// The refund agent of examples/refund-agent, run through the built CLI against a loopback
// OpenAI-compatible server that logs every request.
const workflow = resolve(import.meta.dirname, '../../examples/refund-agent/refund-agent.yaml');

beforeAll(() => buildCli(), 120_000);

let server: Awaited<ReturnType<typeof startChatServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const statusOf = (request: ChatRequest) => /Current workflow state: (\w+)/.exec(systemOf(request))?.[1];
const call = (name: string, args: unknown): ChatReply => ({ toolCalls: [{ name, args }] });

/** The latest result of a tool in the conversation, parsed. */
function latest<T>(request: ChatRequest, tool: string): T {
  const found = toolResultsOf(request).findLast((result) => result.tool === tool);
  return JSON.parse(found?.content ?? 'null') as T;
}

/** A model that follows the system prompt's state, as a capable model would. */
function refundModel(amount?: (max: number) => number) {
  return (request: ChatRequest): ChatReply => {
    const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
    const orderId = /order (ORD-\d+)/.exec(user)?.[1];
    switch (statusOf(request)) {
      case 'PENDING':
        return call('fetch_order', { order_id: orderId });
      case 'VALIDATING_REFUND':
        return call('check_refund_policy', { order_id: orderId });
      case 'PROCESSING_CREDIT': {
        const max = latest<{ max_refund: number }>(request, 'check_refund_policy').max_refund;
        return call('process_credit', { order_id: orderId, amount: amount ? amount(max) : max });
      }
      case 'SENDING_EMAIL': {
        const order = latest<{ customer_email: string }>(request, 'fetch_order');
        return call('send_email', { to: order.customer_email, subject: 'Your refund', body: 'Done.' });
      }
      default:
        return { text: 'Nothing to do.' };
    }
  };
}

async function workspace(reply: (request: ChatRequest, index: number) => ChatReply) {
  server = await startChatServer(reply);
  const cwd = makeWorkspace({ 'baton.config.yaml': server.config });
  const env = { ORDERS_DB: join(cwd, 'orders.db') };
  const baton = (...args: string[]) => runBuiltCli(args, { cwd, env });
  const start = (order: string) =>
    baton('run', workflow, '--input', `order_id=${order}`, '--input', 'request=Refund please');
  const credits = () => {
    const database = new Database(env.ORDERS_DB, { readonly: true });
    try {
      return database.prepare('SELECT order_id, amount_cents FROM credits').all();
    } finally {
      database.close();
    }
  };
  return { cwd, baton, start, credits, requests: server.requests };
}

// Each test starts the CLI several times; a loaded machine takes seconds per start.
describe('the refund agent with explicit state, through the built CLI', { timeout: 180_000 }, () => {
  it('renders each turn from the state and ends at COMPLETE without a fifth model call', async () => {
    const { start, requests } = await workspace(refundModel());
    const result = await start('ORD-1004');
    expect(result.code, result.stderr).toBe(0);
    expect(requests.map(statusOf)).toEqual([
      'PENDING',
      'VALIDATING_REFUND',
      'PROCESSING_CREDIT',
      'SENDING_EMAIL',
    ]);
    expect(requests.map(toolsOf)).toEqual([
      ['fetch_order'],
      ['check_refund_policy'],
      ['process_credit'],
      ['send_email'],
    ]);
    expect(systemOf(requests[3] as ChatRequest)).toContain(
      'Completed steps: PENDING, VALIDATING_REFUND, PROCESSING_CREDIT, SENDING_EMAIL',
    );
    expect(result.stdout).toContain('"status": "COMPLETE"');
    expect(result.stdout).toContain('tool-call refund tool=fetch_order call=1 args={"order_id":"ORD-1004"}');
    expect(result.stdout).toContain('"confirmation": "CNF-12345"');
  });

  it('ends FAILED after two model calls when the order is not eligible, with no credit', async () => {
    const { start, requests, credits } = await workspace(refundModel());
    const result = await start('ORD-1003');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('docs/errors.md#agent-failed');
    expect(result.stderr).toContain('ended in status FAILED: Delivered 45 days ago');
    expect(requests).toHaveLength(2);
    expect(credits()).toEqual([]);
  });

  it('fails with LOOP_STUCK when failing calls with different arguments leave the state as it was', async () => {
    const { start, requests } = await workspace((_request, index) =>
      call('fetch_order', { order_id: `ORD-${9000 + index}` }),
    );
    const result = await start('ORD-1004');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('docs/errors.md#loop-stuck');
    expect(result.stderr).toContain('the state stayed PENDING for 4 turns');
    // Three turns without progress, one notice, then one more turn.
    expect(requests).toHaveLength(4);
    expect(JSON.stringify(requests[3]?.messages)).toContain('The state has not changed for 3 turns');
  });

  it('refuses a tool outside the status’s list without running it, and tells the model which are allowed', async () => {
    const { start, requests, credits } = await workspace((request, index) =>
      index === 0 ? call('process_credit', { order_id: 'ORD-1004', amount: 25 }) : refundModel()(request),
    );
    const result = await start('ORD-1004');
    expect(result.code, result.stderr).toBe(0);
    const refused = toolResultsOf(requests[1] as ChatRequest)[0];
    expect(refused?.content).toContain('not available in status PENDING. Available tools: fetch_order.');
    expect(credits()).toEqual([{ order_id: 'ORD-1004', amount_cents: 2500 }]);
  });

  it('refuses a credit above the refundable amount by its guard; the tool never runs', async () => {
    let first = true;
    const { start, requests, credits } = await workspace((request) => {
      if (statusOf(request) === 'PROCESSING_CREDIT' && first) {
        first = false;
        return call('process_credit', { order_id: 'ORD-1004', amount: 90 });
      }
      return refundModel()(request);
    });
    const result = await start('ORD-1004');
    expect(result.code, result.stderr).toBe(0);
    const refusal = toolResultsOf(requests[3] as ChatRequest).at(-1);
    expect(refusal?.content).toContain('the amount 90 is above the refundable 25');
    expect(credits()).toEqual([{ order_id: 'ORD-1004', amount_cents: 2500 }]);
  });

  it('waits on a gated credit, refuses an edit that breaks the schema, then runs the approved edit once', async () => {
    const { cwd, baton, start, requests, credits } = await workspace(refundModel());
    const waiting = await start('ORD-1001');
    expect(waiting.code, waiting.stderr).toBe(3);
    const id = runIdOf(waiting.stdout);
    expect(waiting.stdout).toContain('call 5 (process_credit)');
    expect(waiting.stdout).toContain(`approve: baton approve ${id} refund --call 5`);
    expect(credits()).toEqual([]);
    expect(requests).toHaveLength(3);

    expect((await baton('runs')).stdout).toContain('waits on refund call 5 (process_credit)');
    const runs = JSON.parse((await baton('runs', '--json')).stdout) as Array<{ waiting?: unknown }>;
    expect(runs[0]?.waiting).toEqual([
      {
        path: 'refund',
        kind: 'tool-call',
        call: 5,
        tool: 'process_credit',
        args: { order_id: 'ORD-1001', amount: 199 },
        instructions: 'Credit $199 for order ORD-1001?',
        expiresAt: expect.any(Number),
      },
    ]);

    writeFileSync(join(cwd, 'negative.json'), JSON.stringify({ order_id: 'ORD-1001', amount: -5 }));
    const invalid = await baton('approve', id, 'refund', '--call', '5', '--edit', 'negative.json');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('amount: Too small');
    expect(credits()).toEqual([]);
    const still = JSON.parse((await baton('show', id, '--json')).stdout) as { run: { status: string } };
    expect(still.run.status).toBe('waiting');
    const listed = (await baton('show', id)).stdout;
    expect(listed).toContain('Waiting for a person:');
    expect(listed).toContain('refund call 5: process_credit {"order_id":"ORD-1001","amount":199}');
    expect(listed).toContain(`baton approve ${id} refund --call 5 [--edit args.json]`);

    writeFileSync(join(cwd, 'edit.json'), JSON.stringify({ order_id: 'ORD-1001', amount: 80 }));
    const approved = await baton('approve', id, 'refund', '--edit', 'edit.json', '--by', 'ana');
    expect(approved.code, approved.stderr + approved.stdout).toBe(0);
    expect(credits()).toEqual([{ order_id: 'ORD-1001', amount_cents: 8000 }]);
    expect(requests.map((request) => statusOf(request))).toEqual([
      'PENDING',
      'VALIDATING_REFUND',
      'PROCESSING_CREDIT',
      'SENDING_EMAIL',
    ]);
    const told = toolResultsOf(requests[3] as ChatRequest).at(-1)?.content;
    expect(told).toContain('Approved by ana, who changed the arguments: amount 199 → 80.');

    const again = await baton('approve', id, 'refund', '--call', '5');
    expect(again.code).toBe(2);
    expect(credits()).toHaveLength(1);

    const shown = await baton('show', id, '--step', 'refund');
    expect(shown.stdout).toContain('call 5 process_credit {"order_id":"ORD-1001","amount":199}');
    expect(shown.stdout).toContain('approval: approved by ana with edit {"order_id":"ORD-1001","amount":80}');
    expect(shown.stdout).toContain(
      'result: {"confirmation_id":"CNF-12345","order_id":"ORD-1001","amount":80',
    );
    expect(shown.stdout).toContain(`key ${id}:refund:5`);
    expect(shown.stdout).toContain('Turn 3 · status PROCESSING_CREDIT → SENDING_EMAIL');
    const json = JSON.parse((await baton('show', id, '--step', 'refund', '--json')).stdout) as {
      turns: Array<{ toolCalls: Array<{ tool: string; args: unknown; output?: unknown }> }>;
    };
    expect(json.turns.map((turn) => turn.toolCalls[0]?.tool)).toEqual([
      'fetch_order',
      'check_refund_policy',
      'process_credit',
      'send_email',
    ]);
  });

  it('sends a rejection to the model as the tool result; the credit never runs', async () => {
    const { baton, start, requests, credits } = await workspace(refundModel());
    const id = runIdOf((await start('ORD-1001')).stdout);
    const rejected = await baton(
      'reject',
      id,
      'refund',
      '--call',
      '5',
      '--reason',
      'needs a manager',
      '--by',
      'bo',
    );
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(credits()).toEqual([]);
    const told = toolResultsOf(requests[3] as ChatRequest).at(-1)?.content;
    expect(told).toContain('was rejected by bo: needs a manager. It did not run.');
    expect(statusOf(requests[3] as ChatRequest)).toBe('SENDING_EMAIL');
  });
});
