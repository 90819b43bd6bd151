import { workflow } from 'baton';
import { z } from 'zod';

/** What the tools of `tools.ts` return, as far as this workflow reads it. */
const Order = z.looseObject({
  order_id: z.string(),
  customer_name: z.string(),
  customer_email: z.string(),
  product: z.string(),
  amount: z.number(),
});
const Policy = z.looseObject({
  order_id: z.string(),
  eligible: z.boolean(),
  reason: z.string(),
  max_refund: z.number(),
});
const Credit = z.looseObject({ confirmation_id: z.string(), amount: z.number() });
const Sent = z.looseObject({ message_id: z.string() });

/**
 * The branching pattern (branching.yaml) with the typed builder. A tool step's `output` schema
 * checks what the tool returned and types it for every step that `needs` it: `steps.policy.max_refund`
 * is a number in `credit`, and a typo there does not compile.
 *
 * @example
 * ```ts
 * const baton = createBaton({ models: { fast: model }, tools: createRefundTools(database) });
 * const result = await baton.run(refundBranching, { input: { order_id: 'ORD-1001' } });
 * ```
 */
export const refundBranching = workflow('refund-branching-typed', {
  description: 'Credit and confirm an eligible order, or explain a refusal.',
  input: z.object({ order_id: z.string() }),
})
  .tool('order', { tool: 'fetch_order', input: ({ input }) => ({ order_id: input.order_id }), output: Order })
  .tool('policy', {
    tool: 'check_refund_policy',
    input: ({ input }) => ({ order_id: input.order_id }),
    output: Policy,
  })
  .branch('decide', {
    needs: ['policy'],
    routes: {
      approved: { when: 'steps.policy.eligible = true', steps: ['credit'] },
      denied: { steps: ['draft_denial'] },
    },
    default: 'denied',
  })
  .tool('credit', {
    needs: ['order', 'policy'],
    tool: 'process_credit',
    input: ({ steps }) => ({
      order_id: steps.order.order_id,
      amount: steps.policy.max_refund,
      reason: `Refund of ${steps.order.product}`,
    }),
    output: Credit,
  })
  .tool('confirm', {
    needs: ['order', 'credit'],
    tool: 'send_email',
    input: ({ steps }) => ({
      to: steps.order.customer_email,
      subject: `Your refund for order ${steps.order.order_id}`,
      body: `Dear ${steps.order.customer_name}, we have credited $${steps.credit.amount} for the ${steps.order.product}. Your confirmation number is ${steps.credit.confirmation_id}.`,
    }),
    output: Sent,
  })
  .llm('draft_denial', {
    needs: ['order', 'policy'],
    model: 'fast',
    system: 'You write short, warm customer-care emails. Never promise anything the policy does not allow.',
    prompt: ({ steps }) =>
      `Write the body of an email to ${steps.order.customer_name} explaining that we cannot refund\n` +
      `their ${steps.order.product} (order ${steps.order.order_id}).\n` +
      `The refund policy says: ${steps.policy.reason}\n` +
      'Offer to help with anything else. Sign as "Customer care".',
  })
  .tool('send_denial', {
    needs: ['order', 'draft_denial'],
    tool: 'send_email',
    input: ({ steps }) => ({
      to: steps.order.customer_email,
      subject: `About your refund request for order ${steps.order.order_id}`,
      body: steps.draft_denial,
    }),
    output: Sent,
  })
  // Only one route runs: the steps of the other one are skipped and read as undefined here.
  .transform('outcome', {
    needs: ['decide', 'credit', 'confirm', 'send_denial'],
    join: 'any',
    run: ({ steps }) => {
      const route = steps.decide.route;
      const sent = route === 'approved' ? steps.confirm : steps.send_denial;
      return route === 'approved'
        ? { route, confirmation_number: steps.credit.confirmation_id, message_id: sent.message_id }
        : { route, message_id: sent.message_id };
    },
  })
  .output(({ steps }) => steps.outcome)
  .build();
