export const tools = {
  refund: {
    description: 'Refund an amount in euros.',
    inputSchema: {
      type: 'object',
      properties: { amount: { type: 'number', minimum: 0, maximum: 500 }, reason: { type: 'string' } },
      required: ['amount', 'reason'],
    },
    execute: ({ amount }) => ({ refunded: amount }),
  },
};
