import { createScriptedModel } from 'baton/testing';
import { describe, expect, it } from 'vitest';
import { loadExample } from '../load-example.js';
import { inputOf, useShop } from './shop-fixture.js';
import { refundBranching } from './typed-branching.js';

const here = import.meta.dirname;
const shop = useShop();
const rows = shop.rows;

describe('the four patterns of sequential tool orchestration', () => {
  it('runs a linear sequence, each step after the one it reads', async () => {
    const { baton, trace } = shop.engine();
    const result = await baton.run(await loadExample(here, 'linear-sequence.yaml'), {
      input: { order_id: 'ORD-1001' },
    });

    expect(result.output).toEqual({
      confirmation_number: 'CNF-12345',
      amount: 199,
      message_id: expect.any(String),
    });
    expect(trace.started()).toEqual(['order', 'policy', 'credit', 'confirm']);
    for (const [before, after] of [
      ['order', 'policy'],
      ['policy', 'credit'],
      ['credit', 'confirm'],
    ] as const) {
      expect(trace.indexOf('step-end', before)).toBeLessThan(trace.indexOf('step-start', after));
    }
    expect(rows('SELECT body FROM outbox')).toEqual([{ body: expect.stringContaining('CNF-12345') }]);
  });

  it('branches to the credit when the policy allows it, skipping the refusal', async () => {
    const { baton, trace, fast } = shop.engine();
    const result = await baton.run(await loadExample(here, 'branching.yaml'), {
      input: { order_id: 'ORD-1001' },
    });

    expect(result.output).toEqual({
      route: 'approved',
      confirmation_number: 'CNF-12345',
      message_id: expect.any(String),
    });
    expect(trace.succeeded()).toEqual(['order', 'policy', 'decide', 'credit', 'confirm', 'outcome']);
    expect(trace.skipped().sort()).toEqual(['draft_denial', 'send_denial']);
    expect(fast.calls).toHaveLength(0);
  });

  it('branches to a drafted refusal when the policy does not allow a refund', async () => {
    const denial = 'Dear Ben, downloads are final sale once the licence key has been sent. Customer care';
    const { baton, trace, fast } = shop.engine({ fast: denial });
    const result = await baton.run(await loadExample(here, 'branching.yaml'), {
      input: { order_id: 'ORD-1002' },
    });

    expect(result.output).toEqual({ route: 'denied', message_id: expect.any(String) });
    expect(trace.skipped().sort()).toEqual(['confirm', 'credit']);
    expect(JSON.stringify(fast.calls[0]?.prompt)).toContain('Downloads are final sale');
    expect(rows('SELECT * FROM credits')).toEqual([]);
    expect(rows('SELECT to_address, body FROM outbox')).toEqual([
      { to_address: 'ben@example.com', body: denial },
    ]);
  });

  it('takes the same routes in the typed version', async () => {
    for (const orderId of ['ORD-1001', 'ORD-1002']) {
      const { baton, trace } = shop.engine();
      const result = await baton.run(refundBranching, { input: { order_id: orderId } });
      expect(result.output).toMatchObject({ route: orderId === 'ORD-1001' ? 'approved' : 'denied' });
      expect(trace.skipped().sort()).toEqual(
        orderId === 'ORD-1001' ? ['draft_denial', 'send_denial'] : ['confirm', 'credit'],
      );
    }
    expect(rows('SELECT order_id FROM credits')).toEqual([{ order_id: 'ORD-1001' }]);
  });

  it('aggregates three independent lookups, run together, into one decision', async () => {
    const assessment = {
      decision: 'goodwill_credit',
      amount: 60,
      reply: 'Dear Chloé, as a goodwill gesture we credit $60.',
    };
    const smart = createScriptedModel([{ object: assessment }]);
    const { baton, trace: events } = shop.engine({ smart });
    const result = await baton.run(await loadExample(here, 'aggregation.yaml'), {
      input: inputOf('goodwill-request.json'),
    });

    expect(result.output).toEqual({
      decision: 'goodwill_credit',
      amount: 60,
      message_id: expect.any(String),
    });
    const lookups = ['order', 'policy', 'history'];
    expect(events.started().slice(0, 3).sort()).toEqual([...lookups].sort());
    // All three were under way before the first of them ended: they ran in parallel.
    const firstEnd = Math.min(...lookups.map((path) => events.indexOf('step-end', path)));
    for (const path of lookups) expect(events.indexOf('step-start', path)).toBeLessThan(firstEnd);
    const lastEnd = Math.max(...lookups.map((path) => events.indexOf('step-end', path)));
    expect(lastEnd).toBeLessThan(events.indexOf('step-start', 'assess'));
    expect(events.indexOf('step-end', 'assess')).toBeLessThan(events.indexOf('step-start', 'notify'));
    const prompt = JSON.stringify(smart.calls[0]?.prompt);
    expect(prompt).toContain('outside the 30-day window');
    expect(prompt).toContain('\\"orders\\":1');
  });

  it('loops until the queue is empty, crediting one request per iteration', async () => {
    const { baton, trace } = shop.engine();
    const result = await baton.run(await loadExample(here, 'looping.yaml'));

    expect(result.output).toEqual({ credited: ['CNF-12345', 'CNF-12346'], failed: [] });
    expect(trace.succeeded()).toEqual([
      'drain#1/claim',
      'drain#1/credit',
      'drain#2/claim',
      'drain#2/credit',
      'drain#3/claim',
      'drain',
    ]);
    expect(trace.skipped()).toEqual(['drain#3/credit']);
    expect(rows('SELECT id, status FROM refund_requests ORDER BY id')).toEqual([
      { id: 'REQ-1', status: 'claimed' },
      { id: 'REQ-2', status: 'claimed' },
    ]);
    expect(rows('SELECT order_id FROM credits ORDER BY confirmation_id')).toEqual([
      { order_id: 'ORD-1004' },
      { order_id: 'ORD-1001' },
    ]);
  });

  it('keeps draining the queue past a request that fails', async () => {
    shop
      .database()
      .prepare("INSERT INTO credits VALUES ('CNF-99999', 'ORD-1001', 19900, 'earlier refund', 'manual', 0)")
      .run();
    const { baton, trace } = shop.engine();
    const result = await baton.run(await loadExample(here, 'looping.yaml'));

    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ credited: ['CNF-12346'], failed: ['REQ-2'] });
    expect(trace.ofType('step-end').find((event) => event.path === 'drain#2/credit')).toMatchObject({
      status: 'failed',
    });
  });
});
