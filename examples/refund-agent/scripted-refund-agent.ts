import type { ScriptedModel, ScriptedResponse } from 'baton/testing';
import { answerByPrompt } from '../answer-by-prompt.js';

interface Order {
  order_id: string;
  customer_name: string;
  customer_email: string;
  product: string;
}

interface Policy {
  eligible: boolean;
  reason: string;
  max_refund: number;
}

const call = (toolName: string, input: unknown): ScriptedResponse => ({ toolCalls: [{ toolName, input }] });

/**
 * A scripted stand-in for the refund agent's model. Like the model would, it reads the tool
 * results in the conversation and calls the next tool the system prompt asks for. With the
 * agent's explicit state, reaching COMPLETE ends the step before it would answer with a summary.
 * Because it decides from the conversation, it behaves the same when a resumed run rebuilds the
 * conversation from the journal.
 *
 * @example
 * ```ts
 * const baton = createBaton({ models: { smart: scriptedRefundAgent() }, tools });
 * ```
 */
export function scriptedRefundAgent(): ScriptedModel {
  return answerByPrompt(
    ({ prompt, toolResults }) => {
      const latest = <T>(tool: string) =>
        toolResults.findLast((result) => result.toolName === tool)?.output as T | undefined;
      const order = latest<Order>('fetch_order');
      const policy = latest<Policy>('check_refund_policy');
      const credit = latest<{ confirmation_id: string; amount: number }>('process_credit');
      const email = latest<{ message_id: string }>('send_email');
      if (!order) return call('fetch_order', { order_id: /order (ORD-\d+)/.exec(prompt)?.[1] });
      if (!policy) return call('check_refund_policy', { order_id: order.order_id });
      if (policy.eligible && !credit) {
        return call('process_credit', {
          order_id: order.order_id,
          amount: policy.max_refund,
          reason: 'Product faulty',
        });
      }
      if (!email) {
        return call('send_email', {
          to: order.customer_email,
          subject: `Your refund request for order ${order.order_id}`,
          body: credit
            ? `Dear ${order.customer_name}, we have credited $${credit.amount} to your account. Confirmation number: ${credit.confirmation_id}.`
            : `Dear ${order.customer_name}, we are sorry, but we cannot refund the ${order.product}. ${policy.reason}`,
        });
      }
      return {
        object: {
          status: credit ? 'refunded' : 'denied',
          order_id: order.order_id,
          credit_amount: credit?.amount ?? 0,
          confirmation_number: credit?.confirmation_id ?? null,
          email_sent: true,
          summary: credit
            ? `Credited $${credit.amount} (${credit.confirmation_id}) and emailed ${order.customer_email}.`
            : `Refund denied: ${policy.reason}`,
        },
      };
    },
    { provider: 'scripted', modelId: 'smart' },
  );
}
