import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';
import type { AgentEvent } from '../../../src/core/index.js';

const Ticket = z.object({
  status: z.enum(['OPEN', 'LOOKED_UP', 'DONE', 'FAILED']),
  customer: z.string().optional(),
});
type Ticket = z.infer<typeof Ticket>;

const start = () => workflow('support', { input: z.object({ ticket: z.string() }) });

describe('agent state types', () => {
  it('types system, prompt, reduce and on from the state schema', () => {
    start().agent('agent', {
      tools: ['lookup'],
      maxIterations: 5,
      state: {
        schema: Ticket,
        initial: { status: 'OPEN' },
        terminal: { DONE: 'succeed', FAILED: 'fail' },
        tools: { OPEN: ['lookup'] },
        on: {
          lookup: ({ result, state }) => {
            expectTypeOf(state).toEqualTypeOf<Ticket>();
            return { status: 'LOOKED_UP', customer: String(result) };
          },
        },
        stuckAfter: 2,
      },
      system: ({ input, state, history, allowedTools, turn }) => {
        expectTypeOf(input.ticket).toEqualTypeOf<string>();
        expectTypeOf(state.status).toEqualTypeOf<'OPEN' | 'LOOKED_UP' | 'DONE' | 'FAILED'>();
        expectTypeOf(history).toEqualTypeOf<Array<'OPEN' | 'LOOKED_UP' | 'DONE' | 'FAILED'>>();
        expectTypeOf(allowedTools).toEqualTypeOf<string[]>();
        expectTypeOf(turn).toEqualTypeOf<number>();
        return `State ${state.status}`;
      },
      prompt: ({ state }) => `Customer: ${state.customer ?? 'unknown'}`,
    });
  });

  it('types the step output as the final state, or the state and the answer that ended it', () => {
    start()
      .agent('agent', {
        tools: ['lookup'],
        maxIterations: 5,
        state: {
          schema: Ticket,
          initial: { status: 'OPEN' },
          reduce: (state, event) => {
            expectTypeOf(state).toEqualTypeOf<Ticket>();
            expectTypeOf(event).toEqualTypeOf<AgentEvent>();
            return event.type === 'result' ? { ...state, status: 'DONE' } : state;
          },
        },
        prompt: 'Help',
      })
      .transform('report', {
        needs: ['agent'],
        run: ({ steps }) => {
          expectTypeOf(steps.agent).toEqualTypeOf<Ticket | { state: Ticket; answer: string }>();
          return 'status' in steps.agent ? steps.agent.status : steps.agent.state.status;
        },
      });
  });

  it('does not compile a status the schema does not have', () => {
    start().agent('a', {
      tools: ['lookup'],
      maxIterations: 5,
      state: {
        schema: Ticket,
        // @ts-expect-error CLOSED is not a status of the schema
        initial: { status: 'CLOSED' },
      },
      prompt: 'Help',
    });
    start().agent('b', {
      tools: ['lookup'],
      maxIterations: 5,
      // @ts-expect-error RESOLVED is not a status of the schema
      state: { schema: Ticket, initial: { status: 'OPEN' }, terminal: { RESOLVED: 'succeed' } },
      prompt: 'Help',
    });
    start().agent('c', {
      tools: ['lookup'],
      maxIterations: 5,
      state: {
        schema: Ticket,
        initial: { status: 'OPEN' },
        // @ts-expect-error a transition to a status the schema does not have
        on: { lookup: { status: 'LOOKED' } },
      },
      prompt: 'Help',
    });
    start().agent('d', {
      tools: ['lookup'],
      maxIterations: 5,
      state: {
        schema: Ticket,
        initial: { status: 'OPEN' },
        // @ts-expect-error reduce returns a status the schema does not have
        reduce: (state) => ({ ...state, status: 'CLOSED' }),
      },
      prompt: 'Help',
    });
  });

  it('takes a state without a schema, its status then any text', () => {
    start().agent('loose', {
      tools: ['lookup'],
      maxIterations: 3,
      state: {
        initial: { status: 'NEW' },
        terminal: { DONE: 'succeed' },
        on: { lookup: { status: 'DONE' } },
      },
      system: ({ state }) => {
        expectTypeOf(state.status).toEqualTypeOf<string>();
        return state.status;
      },
      prompt: 'Help',
    });
  });

  it('keeps the answer types of an agent without state', () => {
    start()
      .agent('plain', { tools: [], maxIterations: 2, prompt: 'Hi' })
      .agent('shaped', { tools: [], maxIterations: 2, prompt: 'Hi', output: z.object({ n: z.number() }) })
      .transform('t', {
        needs: ['plain', 'shaped'],
        run: ({ steps }) => {
          expectTypeOf(steps.plain.answer).toEqualTypeOf<string>();
          expectTypeOf(steps.shaped.n).toEqualTypeOf<number>();
          return 1;
        },
      });
  });
});
