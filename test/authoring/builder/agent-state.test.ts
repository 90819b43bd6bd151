import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';
import { validateWorkflow } from '../../../src/core/index.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { setup } from '../../core/fixtures.js';

const Ticket = z
  .object({
    status: z.enum(['OPEN', 'LOOKED_UP', 'DONE']),
    customer: z.string().optional(),
    refund: z.number().optional(),
  })
  .refine((state) => (state.refund ?? 0) <= 100, { message: 'refund above 100', path: ['refund'] });

/** A support agent whose state moves by typed `on` functions and whose prompt reads the state. */
const support = workflow('support', { input: z.object({ ticket: z.string() }) })
  .agent('agent', {
    model: 'test',
    tools: ['lookup', 'refund'],
    maxIterations: 5,
    state: {
      schema: Ticket,
      initial: { status: 'OPEN' },
      terminal: { DONE: 'succeed' },
      tools: { OPEN: ['lookup'], LOOKED_UP: ['refund'] },
      on: {
        lookup: ({ result }) => ({ status: 'LOOKED_UP', customer: String(result) }),
        refund: ({ args }) => ({ status: 'DONE', refund: (args as { amount: number }).amount }),
      },
    },
    guard: {
      refund: ({ args }) => ((args as { amount: number }).amount > 0 ? true : 'amount must be positive'),
    },
    system: ({ state, allowedTools }) =>
      `Status ${state.status}; customer ${state.customer ?? '?'}; tools ${allowedTools.join(',')}`,
    prompt: ({ input }) => `Ticket: ${input.ticket}`,
  })
  .build();

const tools = {
  lookup: { inputSchema: z.object({}), execute: () => 'ada' },
  refund: { inputSchema: z.object({ amount: z.number() }), execute: () => 'ok' },
};

describe('the typed builder agent with state', () => {
  it('builds IR that validates, with the Zod schema shown as JSON Schema and functions registered', () => {
    const step = support.workflow.steps[0] as Extract<
      (typeof support.workflow.steps)[number],
      { kind: 'agent' }
    >;
    expect(validateWorkflow(support.workflow, support.functions).problems).toEqual([]);
    expect(step.state?.schema).toMatchObject({ type: 'object', required: ['status'] });
    expect(step.state?.on?.lookup).toEqual({ function: 'agent.state.on.lookup' });
    expect(step.guard?.refund).toEqual({ function: 'agent.guard.refund' });
    expect(step.state?.tools).toEqual({ OPEN: ['lookup'], LOOKED_UP: ['refund'] });
  });

  it('renders the system prompt from the state on every turn and ends on the terminal status', async () => {
    const model = createScriptedModel([
      { toolCalls: [{ toolName: 'lookup', input: {} }] },
      { toolCalls: [{ toolName: 'refund', input: { amount: -5 } }] },
      { toolCalls: [{ toolName: 'refund', input: { amount: 40 } }] },
    ]);
    const { engine } = setup({ model, tools });
    const result = await engine.run(support, { input: { ticket: 'broken mug' } });
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual({ agent: { status: 'DONE', customer: 'ada', refund: 40 } });
    const systems = model.calls.map(
      (call) => call.prompt.find((message) => message.role === 'system')?.content,
    );
    expect(systems).toEqual([
      'Status OPEN; customer ?; tools lookup',
      'Status LOOKED_UP; customer ada; tools refund',
      // The guard refused the negative amount: no state change, same prompt.
      'Status LOOKED_UP; customer ada; tools refund',
    ]);
  });

  it('checks every transition with the Zod schema, refinements included', async () => {
    const model = createScriptedModel([
      { toolCalls: [{ toolName: 'lookup', input: {} }] },
      { toolCalls: [{ toolName: 'refund', input: { amount: 500 } }] },
    ]);
    const { engine } = setup({ model, tools });
    const result = await engine.run(support, { input: { ticket: 'broken mug' } });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('STATE_INVALID');
    expect(result.error?.message).toContain('refund above 100');
  });
});
