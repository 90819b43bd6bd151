import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { defineTool } from 'baton';
import { z } from 'zod';
import { type OrdersDatabase, openOrdersDatabase } from './orders-database.ts';

const day = 86_400_000;
const dollars = (cents: number) => cents / 100;
const cents = (amount: number) => Math.round(amount * 100);

interface OrderRow {
  id: string;
  customer_name: string;
  customer_email: string;
  product: string;
  category: string;
  amount_cents: number;
  delivered_at: number;
}

interface CreditRow {
  confirmation_id: string;
  order_id: string;
  amount_cents: number;
}

/**
 * The tools of the refund examples, over an orders database. `process_credit` and `send_email`
 * have side effects, so they keep the idempotency key Baton gives every call: when a call is
 * made again after a crash or a retry (same run, same step, same call number), they return what
 * the first call did instead of crediting or emailing twice.
 *
 * @example
 * ```ts
 * const tools = createRefundTools(openOrdersDatabase('/tmp/orders.db'));
 * const baton = createBaton({ models: { smart: model }, tools });
 * ```
 */
export function createRefundTools(
  source: OrdersDatabase | (() => OrdersDatabase),
  now: () => number = Date.now,
) {
  const connection = () => (typeof source === 'function' ? source() : source);
  const findOrder = (orderId: string): OrderRow => {
    const row = connection().prepare('SELECT * FROM orders WHERE id = ?').get(orderId) as
      | OrderRow
      | undefined;
    if (!row) throw new Error(`No order "${orderId}". Order ids look like ORD-1001.`);
    return row;
  };
  const creditOf = (where: string, value: string) =>
    connection().prepare(`SELECT * FROM credits WHERE ${where} = ?`).get(value) as CreditRow | undefined;

  const fetchOrder = defineTool({
    description: 'Looks up an order by id: customer, product, category, amount paid and delivery date.',
    inputSchema: z.object({ order_id: z.string().describe('The order id, such as ORD-1001') }),
    execute: ({ order_id }) => {
      const order = findOrder(order_id);
      return {
        order_id: order.id,
        customer_name: order.customer_name,
        customer_email: order.customer_email,
        product: order.product,
        category: order.category,
        amount: dollars(order.amount_cents),
        delivered_at: new Date(order.delivered_at).toISOString().slice(0, 10),
        days_since_delivery: Math.floor((now() - order.delivered_at) / day),
      };
    },
  });

  const checkRefundPolicy = defineTool({
    description:
      'Checks whether an order may be refunded under the policy of its product category, and for how much at most.',
    inputSchema: z.object({ order_id: z.string() }),
    execute: ({ order_id }) => {
      const order = findOrder(order_id);
      const policy = connection()
        .prepare('SELECT * FROM refund_policies WHERE category = ?')
        .get(order.category) as { refundable: number; window_days: number; terms: string } | undefined;
      const age = Math.floor((now() - order.delivered_at) / day);
      const credited = creditOf('order_id', order_id);
      const denied = (reason: string) => ({ order_id, eligible: false, reason, max_refund: 0 });
      if (credited) return denied(`Already refunded (confirmation ${credited.confirmation_id}).`);
      if (!policy?.refundable) return denied(policy?.terms ?? `No refunds for ${order.category}.`);
      if (age > policy.window_days) {
        return denied(
          `Delivered ${age} days ago, outside the ${policy.window_days}-day window. ${policy.terms}`,
        );
      }
      return { order_id, eligible: true, reason: policy.terms, max_refund: dollars(order.amount_cents) };
    },
  });

  const processCredit = defineTool({
    description:
      "Credits the customer's account for an order and returns the confirmation number. Only for orders the refund policy allows.",
    inputSchema: z.object({
      order_id: z.string(),
      amount: z.number().positive().describe('US dollars, at most the max_refund of the policy check'),
      reason: z.string().default('Refund'),
    }),
    execute: ({ order_id, amount, reason }, context) =>
      connection().transaction(() => {
        // The same call made again (a resume after a crash, a retry) gets the first call's credit.
        const earlier = creditOf('idempotency_key', context.idempotencyKey);
        if (earlier) return { ...toCredit(earlier), repeated: true };
        const order = findOrder(order_id);
        const other = creditOf('order_id', order_id);
        if (other) throw new Error(`Order ${order_id} was already credited (${other.confirmation_id}).`);
        if (cents(amount) > order.amount_cents) {
          throw new Error(`Cannot credit $${amount}: order ${order_id} was $${dollars(order.amount_cents)}.`);
        }
        const { count } = connection().prepare('SELECT count(*) AS count FROM credits').get() as {
          count: number;
        };
        const credit = { confirmation_id: `CNF-${12345 + count}`, order_id, amount_cents: cents(amount) };
        connection()
          .prepare(
            'INSERT INTO credits (confirmation_id, order_id, amount_cents, reason, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(credit.confirmation_id, order_id, credit.amount_cents, reason, context.idempotencyKey, now());
        return { ...toCredit(credit), repeated: false };
      })(),
  });

  const sendEmail = defineTool({
    description: 'Sends an email to a customer (it is queued in the outbox and delivered once).',
    inputSchema: z.object({ to: z.email(), subject: z.string(), body: z.string() }),
    execute: ({ to, subject, body }, context) => {
      const messageId = `MSG-${createHash('sha256').update(context.idempotencyKey).digest('hex').slice(0, 10)}`;
      // INSERT OR IGNORE on the idempotency key: an email sent again after a crash is not sent twice.
      connection()
        .prepare(
          'INSERT OR IGNORE INTO outbox (message_id, to_address, subject, body, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(messageId, to, subject, body, context.idempotencyKey, now());
      const sent = connection()
        .prepare('SELECT message_id FROM outbox WHERE idempotency_key = ?')
        .get(context.idempotencyKey) as {
        message_id: string;
      };
      return { message_id: sent.message_id, to, queued: true };
    },
  });

  const customerHistory = defineTool({
    description: 'Summarises a customer: number of orders, lifetime value and refunds so far.',
    inputSchema: z.object({ customer_email: z.string() }),
    execute: ({ customer_email }) => {
      const orders = connection()
        .prepare(
          'SELECT count(*) AS count, coalesce(sum(amount_cents), 0) AS total FROM orders WHERE customer_email = ?',
        )
        .get(customer_email) as { count: number; total: number };
      const refunds = connection()
        .prepare(
          'SELECT count(*) AS count FROM credits JOIN orders ON orders.id = credits.order_id WHERE customer_email = ?',
        )
        .get(customer_email) as { count: number };
      return {
        customer_email,
        orders: orders.count,
        lifetime_value: dollars(orders.total),
        refunds: refunds.count,
      };
    },
  });

  const nextRefundRequest = defineTool({
    description: 'Takes the oldest pending refund request off the queue, or says the queue is empty.',
    inputSchema: z.object({}),
    execute: (_input, context) =>
      connection().transaction(() => {
        const select =
          'SELECT refund_requests.id AS request_id, order_id, amount_cents FROM refund_requests JOIN orders ON orders.id = order_id';
        // A claim made again with the same key gets the same request, not the next one.
        const claimed =
          (connection().prepare(`${select} WHERE claimed_by = ?`).get(context.idempotencyKey) as
            | ClaimRow
            | undefined) ??
          (connection().prepare(`${select} WHERE status = 'pending' ORDER BY created_at LIMIT 1`).get() as
            | ClaimRow
            | undefined);
        if (!claimed) return { done: true };
        connection()
          .prepare("UPDATE refund_requests SET status = 'claimed', claimed_by = ? WHERE id = ?")
          .run(context.idempotencyKey, claimed.request_id);
        return {
          done: false,
          request_id: claimed.request_id,
          order_id: claimed.order_id,
          amount: dollars(claimed.amount_cents),
        };
      })(),
  });

  return {
    fetch_order: fetchOrder,
    check_refund_policy: checkRefundPolicy,
    process_credit: processCredit,
    send_email: sendEmail,
    customer_history: customerHistory,
    next_refund_request: nextRefundRequest,
  };
}

interface ClaimRow {
  request_id: string;
  order_id: string;
  amount_cents: number;
}

function toCredit(row: { confirmation_id: string; order_id: string; amount_cents: number }) {
  return { confirmation_id: row.confirmation_id, order_id: row.order_id, amount: dollars(row.amount_cents) };
}

let opened: OrdersDatabase | undefined;

/**
 * The tools `baton run` finds for the workflow files of this folder (their `module: ./tools.ts`),
 * over the database at $ORDERS_DB (default `.baton/orders.db`), opened on the first tool call
 * rather than when the workflow is loaded.
 *
 * @example
 * ```ts
 * const definition = await loadWorkflowFile('examples/refund-agent/linear-sequence.yaml');
 * createBaton({ tools: definition.tools }); // these tools
 * ```
 */
export const tools = createRefundTools(() => {
  opened ??= openOrdersDatabase(process.env.ORDERS_DB ?? join(process.cwd(), '.baton', 'orders.db'));
  return opened;
});
