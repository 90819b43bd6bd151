import { type AgentEvent, workflow } from 'baton';
import { z } from 'zod';

/** The refund workflow's statuses, in the order of the document. */
const Status = z.enum([
  'PENDING',
  'VALIDATING_REFUND',
  'PROCESSING_CREDIT',
  'SENDING_EMAIL',
  'COMPLETE',
  'FAILED',
]);

/** The agent's state: the status and what the tools have told it so far. */
export const RefundState = z.object({
  status: Status,
  order_id: z.string().optional(),
  customer_email: z.string().optional(),
  max_refund: z.number().optional(),
  confirmation: z.string().optional(),
  reason: z.string().optional(),
});
export type RefundState = z.infer<typeof RefundState>;

const Input = z.object({ order_id: z.string(), request: z.string() });

/**
 * The next state after a tool event. Only results move the state; an error, a refusal or a
 * rejection leaves it as it is (and counts towards `stuckAfter`), except a rejected credit, after
 * which the customer is told.
 */
export function reduceRefund(state: RefundState, event: AgentEvent): RefundState {
  const result = (event.result ?? {}) as Record<string, unknown>;
  if (event.type === 'rejected' && event.tool === 'process_credit') {
    return { ...state, status: 'SENDING_EMAIL', reason: event.reason ?? 'rejected' };
  }
  if (event.type !== 'result') return state;
  switch (event.tool) {
    case 'fetch_order':
      return {
        ...state,
        status: 'VALIDATING_REFUND',
        order_id: String(result.order_id),
        customer_email: String(result.customer_email),
      };
    case 'check_refund_policy':
      return result.eligible
        ? { ...state, status: 'PROCESSING_CREDIT', max_refund: Number(result.max_refund) }
        : { ...state, status: 'FAILED', reason: String(result.reason) };
    case 'process_credit':
      return { ...state, status: 'SENDING_EMAIL', confirmation: String(result.confirmation_id) };
    case 'send_email':
      return { ...state, status: 'COMPLETE' };
    default:
      return state;
  }
}

/**
 * The refund agent of refund-agent.yaml in TypeScript, built with `workflow().agent()`: the same
 * states, per-status tools and approval, with the transitions as a typed `reduce` function and
 * the system prompt as a typed function of the state. A status the schema does not have does not
 * compile, in `terminal`, in `tools` and in what `reduce` returns.
 *
 * @example
 * ```ts
 * const baton = createBaton({ models: { smart: model }, tools: createRefundTools(database) });
 * const result = await baton.run(typedRefundAgent, { input: { order_id: 'ORD-1004', request: 'Refund please' } });
 * ```
 */
export const typedRefundAgent = workflow('refund-agent-typed', { input: Input })
  .agent('refund', {
    model: 'smart',
    maxIterations: 10,
    tools: ['fetch_order', 'check_refund_policy', 'process_credit', 'send_email'],
    state: {
      schema: RefundState,
      initial: { status: 'PENDING' },
      terminal: { COMPLETE: 'succeed', FAILED: 'fail' },
      tools: {
        PENDING: ['fetch_order'],
        VALIDATING_REFUND: ['check_refund_policy'],
        PROCESSING_CREDIT: ['process_credit'],
        SENDING_EMAIL: ['send_email'],
      },
      reduce: reduceRefund,
      stuckAfter: 3,
    },
    approve: { process_credit: { when: '{{ args.amount > 100 }}' } },
    system: ({ state, history, allowedTools }) => {
      const known = Object.entries(state)
        .filter(([key]) => key !== 'status')
        .map(([key, value]) => `${key}=${value}`)
        .join(', ');
      return [
        `You are a refund agent for an online store. Current workflow state: ${state.status}.`,
        `Completed steps: ${history.join(', ')}.`,
        `Current data: ${known}.`,
        `Next action: call ${allowedTools.join(' or ')}.`,
      ].join('\n');
    },
    prompt: ({ input }) => `Refund request for order ${input.order_id}:\n${input.request}`,
  })
  .output(({ steps }) => steps.refund)
  .build();
