export const functions = {
  askSeats: async (_scope, ctx) => ({
    seats: await ctx.interrupt({ key: 'seats', prompt: 'How many seats should we order?' }),
  }),
};
