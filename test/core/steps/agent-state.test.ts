import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createManualClock } from '../../../examples/manual-clock.js';
import type { Step, ToolDefinition } from '../../../src/core/index.js';
import { listWaiting, listWaitingCalls } from '../../../src/core/index.js';
import {
  createScriptedModel,
  type ScriptedModel,
  type ScriptedResponse,
} from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

type AgentStep = Extract<Step, { kind: 'agent' }>;

const call = (toolName: string, input: unknown): ScriptedResponse => ({ toolCalls: [{ toolName, input }] });
const sent = (model: ScriptedModel, index: number) => JSON.stringify(model.calls[index]?.prompt ?? []);
const systemOf = (model: ScriptedModel, index: number) =>
  (model.calls[index]?.prompt.find((message) => message.role === 'system')?.content as string | undefined) ??
  '';

/** A counter tool: adds `by` to a total kept outside the run, so a second effect would show. */
function counter() {
  const runs: Array<{ by: number; key: string }> = [];
  const tool: ToolDefinition<{ by: number }> = {
    inputSchema: z.object({
      by: z
        .number()
        .int()
        .refine((by) => by !== 13, 'unlucky'),
    }),
    execute: ({ by }, context) => {
      runs.push({ by, key: context.idempotencyKey });
      return { added: by };
    },
  };
  return { tool: tool as ToolDefinition, runs };
}

function agent(fields: Partial<AgentStep> = {}): Step {
  return {
    id: 'agent',
    kind: 'agent',
    prompt: 'Count to three.',
    tools: ['add'],
    maxIterations: 8,
    state: {
      initial: { status: 'COUNTING', total: 0 },
      schema: {
        type: 'object',
        properties: { status: { type: 'string' }, total: { type: 'number', maximum: 10 } },
        required: ['status', 'total'],
      },
      terminal: { DONE: 'succeed' },
      on: {
        add: '{{ {"total": state.total + result.added, "status": state.total + result.added >= 3 ? "DONE" : "COUNTING"} }}',
      },
    },
    system: 'Total {{ state.total }} on turn {{ turn }}.',
    ...fields,
  } as Step;
}

describe('agent state', () => {
  it('renders the system prompt from the state on every turn and journals the state around each turn', async () => {
    const { tool, runs } = counter();
    const model = createScriptedModel([call('add', { by: 1 }), call('add', { by: 2 })]);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const result = await engine.run(define({ steps: [agent()] }));
    expect(result.output).toEqual({ agent: { status: 'DONE', total: 3 } });
    expect([systemOf(model, 0), systemOf(model, 1)]).toEqual(['Total 0 on turn 1.', 'Total 1 on turn 2.']);
    expect(model.calls).toHaveLength(2);
    expect(runs.map((run) => run.by)).toEqual([1, 2]);
    const turns = (await store.listSubCalls(result.runId, 'agent')).filter(
      (record) => record.kind === 'agent-turn',
    );
    expect(turns.map((record) => (record.request as { state: unknown }).state)).toEqual([
      { before: { status: 'COUNTING', total: 0 }, after: { status: 'COUNTING', total: 1 } },
      { before: { status: 'COUNTING', total: 1 }, after: { status: 'DONE', total: 3 } },
    ]);
  });

  it('fails with STATE_INVALID naming the event and the field when a transition breaks the schema', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 12 })]);
    const { engine } = setup({ model, tools: { add: tool } });
    const result = await engine.run(define({ steps: [agent()] }));
    expect(result.error?.code).toBe('STATE_INVALID');
    expect(result.error?.message).toContain('The transition on "add"');
    expect(result.error?.message).toContain('total:');
  });

  it('fails with STATE_INVALID before any model call when the initial state breaks the schema', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 1 })]);
    const { engine } = setup({ model, tools: { add: tool } });
    const base = agent() as AgentStep;
    const step = { ...base, state: { ...base.state, initial: { status: 'COUNTING', total: 11 } } } as Step;
    const result = await engine.run(define({ steps: [step] }));
    expect(result.error?.code).toBe('STATE_INVALID');
    expect(result.error?.message).toContain('The initial state');
    expect(model.calls).toHaveLength(0);
  });

  it('shows the prompt the statuses so far, starting from the initial one', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 1 }), call('add', { by: 2 })]);
    const { engine } = setup({ model, tools: { add: tool } });
    const result = await engine.run(define({ steps: [agent({ prompt: 'Statuses: {{ history }}.' })] }));
    expect(result.status).toBe('succeeded');
    expect(sent(model, 0)).toContain('Statuses: [\\"COUNTING\\"].');
  });

  it('gives a stuck agent one notice before it fails it as stuck', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 0 }), call('add', { by: 3 })]);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const base = agent() as AgentStep;
    const step = { ...base, state: { ...base.state, stuckAfter: 1 } } as Step;
    const result = await engine.run(define({ steps: [step] }));
    expect(result.status).toBe('succeeded');
    expect(model.calls).toHaveLength(2);
    const [record] = await store.listSteps(result.runId);
    expect(record?.note).toBe('2 turn(s), 2 tool call(s)');
  });

  it('fails as stuck once the state stays put for stuckAfter turns after the notice', async () => {
    const { tool } = counter();
    const model = createScriptedModel([
      call('add', { by: 0 }),
      call('add', { by: 0 }),
      call('add', { by: 3 }),
    ]);
    const { engine } = setup({ model, tools: { add: tool } });
    const base = agent() as AgentStep;
    const stuck = await engine.run(
      define({ steps: [{ ...base, state: { ...base.state, stuckAfter: 1 } } as Step] }),
    );
    expect(stuck.error).toMatchObject({ code: 'LOOP_STUCK', stepPath: 'agent' });
    expect(model.calls).toHaveLength(2);
  });

  it('lets the state stay put for three turns by default', async () => {
    const { tool } = counter();
    const model = createScriptedModel([
      call('add', { by: 0 }),
      call('add', { by: 0 }),
      call('add', { by: 3 }),
    ]);
    const { engine } = setup({ model, tools: { add: tool } });
    const result = await engine.run(define({ steps: [agent()] }));
    expect(result.output).toEqual({ agent: { status: 'DONE', total: 3 } });
  });

  it('journals the input of its first turn, with the initial state', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 1 }), call('add', { by: 2 })]);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const result = await engine.run(define({ steps: [agent({ prompt: 'Turn {{ turn }}.' })] }));
    expect(result.status).toBe('succeeded');
    const [record] = await store.listSteps(result.runId);
    expect(record?.input).toStrictEqual({
      system: 'Total 0 on turn 1.',
      prompt: 'Turn 1.',
      tools: ['add'],
      state: { status: 'COUNTING', total: 0 },
    });
  });

  it('notes an answer cut off at the output limit and kept, then goes on', async () => {
    const { tool } = counter();
    const model = createScriptedModel([{ text: 'Let me', truncated: true }, call('add', { by: 3 })]);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const result = await engine.run(
      define({ steps: [agent({ maxOutputTokens: 50, onTruncate: 'accept' } as Partial<AgentStep>)] }),
    );
    expect(result.output).toEqual({ agent: { status: 'DONE', total: 3 } });
    const [record] = await store.listSteps(result.runId);
    expect(record?.note).toContain('answer cut off at maxOutputTokens (50), kept (onTruncate: accept)');
  });

  it('takes a reduce function instead of `on`, with the event it reduces', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 5 })]);
    const { engine } = setup({ model, tools: { add: tool } });
    const seen: unknown[] = [];
    const reduce = ({ state, event }: { state: { total: number }; event: { result: { added: number } } }) => {
      seen.push(event);
      return { status: 'DONE', total: state.total + event.result.added };
    };
    const step = agent({
      state: {
        initial: { status: 'COUNTING', total: 0 },
        terminal: { DONE: 'succeed' },
        reduce: { function: 'reduce' },
      },
    });
    const result = await engine.run(define({ steps: [step] }, { reduce: reduce as never }));
    expect(result.output).toEqual({ agent: { status: 'DONE', total: 5 } });
    expect(seen).toEqual([{ type: 'result', tool: 'add', args: { by: 5 }, result: { added: 5 } }]);
  });

  it('ends with the state and the answer when the model answers without a transition for it', async () => {
    const { tool } = counter();
    const model = createScriptedModel(['I cannot count.']);
    const { engine } = setup({ model, tools: { add: tool } });
    const result = await engine.run(define({ steps: [agent()] }));
    expect(result.output).toEqual({
      agent: { state: { status: 'COUNTING', total: 0 }, answer: 'I cannot count.' },
    });
  });

  it('moves the state on an answer through on.$answer, and ends at a terminal status', async () => {
    const { tool } = counter();
    const model = createScriptedModel(['All counted.']);
    const { engine } = setup({ model, tools: { add: tool } });
    const base = agent() as AgentStep;
    const step = agent({
      state: { initial: {}, ...base.state, on: { $answer: { status: 'DONE', said: '{{ answer }}' } } },
    });
    const result = await engine.run(define({ steps: [step] }));
    expect(result.output).toEqual({ agent: { status: 'DONE', total: 0, said: 'All counted.' } });
  });

  it('offers only the tools of the current status', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 1 }), call('add', { by: 2 })]);
    const { engine } = setup({ model, tools: { add: tool, reset: tool } });
    const base = agent() as AgentStep;
    const step = agent({
      tools: ['add', 'reset'],
      state: { initial: {}, ...base.state, tools: { COUNTING: ['add'] } },
    });
    await engine.run(define({ steps: [step] }));
    expect(model.calls[0]?.tools?.map((offered) => offered.name)).toEqual(['add']);
  });
});

describe('agent inputs', () => {
  it('sends `messages` before the prompt and journals them with the input', async () => {
    const model = createScriptedModel(['Hello again.']);
    const { engine, store } = setup({ model });
    const step: Step = {
      id: 'chat',
      kind: 'llm',
      prompt: 'And now?',
      messages: [
        { role: 'user', content: 'Hi, I am {{ input.name }}.' },
        { role: 'assistant', content: 'Hi!' },
      ],
    };
    const result = await engine.run(define({ steps: [step] }), { input: { name: 'Ana' } });
    expect(result.status).toBe('succeeded');
    expect(sent(model, 0)).toMatch(/Hi, I am Ana\..*Hi!.*And now\?/);
    const [record] = await store.listSteps(result.runId);
    expect(record?.input).toMatchObject({
      messages: [{ role: 'user', content: 'Hi, I am Ana.' }, { role: 'assistant' }],
    });
  });

  it('sends an agent its `messages` before the prompt, on every turn', async () => {
    const { tool } = counter();
    const model = createScriptedModel([{ toolCalls: [{ toolName: 'add', input: { by: 1 } }] }, 'Done, Ana.']);
    const { engine } = setup({ model, tools: { add: tool } });
    const step: Step = {
      id: 'chat',
      kind: 'agent',
      prompt: 'Count for me.',
      tools: ['add'],
      maxIterations: 3,
      messages: [
        { role: 'user', content: 'Hi, I am {{ input.name }}.' },
        { role: 'assistant', content: 'Hi!' },
      ],
    };
    const result = await engine.run(define({ steps: [step] }), { input: { name: 'Ana' } });
    expect(result.status).toBe('succeeded');
    expect(sent(model, 0)).toMatch(/Hi, I am Ana\..*Hi!.*Count for me\./);
    expect(sent(model, 1)).toMatch(/Hi, I am Ana\..*Hi!.*Count for me\./);
  });

  it('asks the model to go on after an answer cut off at the output limit, and reports the cut', async () => {
    const model = createScriptedModel([{ text: 'Part one', truncated: true }, 'Part two.']);
    const { engine, ofType } = setup({ model });
    const step: Step = {
      id: 'chat',
      kind: 'agent',
      prompt: 'Write it all.',
      tools: [],
      maxIterations: 2,
      maxOutputTokens: 50,
      onTruncate: 'accept',
    };
    const result = await engine.run(define({ steps: [step] }));
    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({ chat: { answer: 'Part two.', turns: 2 } });
    expect(sent(model, 1)).toMatch(/Part one.*cut off at the output limit\. Continue\./);
    expect(ofType('output-truncated')).toMatchObject([{ path: 'chat' }]);
  });

  it('fails an agent cut off at the output limit on its last turn with LOOP_LIMIT_REACHED', async () => {
    const model = createScriptedModel([{ text: 'Part one', truncated: true }, 'Part two.']);
    const { engine } = setup({ model });
    const step: Step = {
      id: 'chat',
      kind: 'agent',
      prompt: 'Write it all.',
      tools: [],
      maxIterations: 1,
      maxOutputTokens: 50,
      onTruncate: 'accept',
    };
    const result = await engine.run(define({ steps: [step] }));
    expect(result.error).toMatchObject({ code: 'LOOP_LIMIT_REACHED', stepPath: 'chat' });
    expect(model.calls).toHaveLength(1);
  });

  it('fails with INPUT_INVALID naming the message when `messages` is not a conversation', async () => {
    const model = createScriptedModel(['x']);
    const { engine } = setup({ model });
    const step = {
      id: 'chat',
      kind: 'llm',
      prompt: 'x',
      messages: [{ role: 'robot', content: 'beep' }],
    } as Step;
    const result = await engine.run(define({ steps: [step] }));
    expect(result.error?.code).toBe('INPUT_INVALID');
    expect(result.error?.message).toContain('messages[0].role');
    expect(model.calls).toHaveLength(0);
  });

  it('takes its tools from an expression and names an unknown one with TOOL_NOT_FOUND', async () => {
    const { tool } = counter();
    const model = createScriptedModel(['done']);
    const { engine } = setup({ model, tools: { add: tool } });
    const plan: Step = { id: 'plan', kind: 'transform', value: '["add", "launch"]' };
    const result = await engine.run(
      define({ steps: [plan, agent({ tools: '{{ steps.plan }}', state: undefined })] }),
    );
    expect(result.error).toMatchObject({ code: 'TOOL_NOT_FOUND', stepPath: 'agent' });
    expect(result.error?.message).toContain('"launch"');
  });
});

describe('gated tool calls', () => {
  const gated = () =>
    agent({
      state: undefined,
      system: undefined,
      approve: { add: { when: '{{ args.by > 1 }}', instructions: 'Add {{ args.by }}?' } },
    });

  it('exactly one of two concurrent decisions wins', async () => {
    const { tool, runs } = counter();
    const model = createScriptedModel([call('add', { by: 2 }), 'Done.']);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const waiting = await engine.run(define({ steps: [gated()] }));
    expect(waiting.status).toBe('waiting');
    expect(waiting.waiting?.calls).toEqual([{ path: 'agent', call: 1, tool: 'add', args: { by: 2 } }]);
    const [request] = await listWaitingCalls(store, waiting.runId, 'agent');
    expect(request).toMatchObject({ call: 1, instructions: 'Add 2?', args: { by: 2 } });
    const decisions = await Promise.allSettled([
      engine.approve(waiting.runId, 'agent', { by: 'ana', call: 1 }),
      engine.reject(waiting.runId, 'agent', { by: 'bo', reason: 'no', call: 1 }),
    ]);
    expect(decisions.filter((decision) => decision.status === 'fulfilled')).toHaveLength(1);
    const winner =
      decisions[0].status === 'fulfilled' ? { by: 'ana', action: 'approve' } : { by: 'bo', action: 'reject' };
    expect(decisions.find((decision) => decision.status === 'rejected')).toMatchObject({
      reason: {
        code: 'APPROVAL_NOT_PENDING',
        stepPath: 'agent',
        message: `Call 1 of step "agent" was already decided by ${winner.by} (${winner.action}).`,
        details: { decision: winner },
      },
    });
    expect(runs.length).toBeLessThanOrEqual(1);
  });

  it('refuses a decision on no waiting call, naming the calls that wait', async () => {
    const { tool } = counter();
    const model = createScriptedModel([
      {
        toolCalls: [
          { toolName: 'add', input: { by: 2 } },
          { toolName: 'add', input: { by: 3 } },
        ],
      },
      'Done.',
    ]);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const waiting = await engine.run(
      define({ steps: [{ id: 'first', kind: 'transform', value: '1' }, gated()] }),
    );
    const prefix = `Step "agent" of run ${waiting.runId} has no`;
    await expect(engine.approve(waiting.runId, 'agent', {})).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      stepPath: 'agent',
      message: `${prefix} a tool call waiting for approval (several wait: choose one).`,
      hint: 'Waiting calls: --call 1 (add), --call 4 (add).',
    });
    await expect(engine.approve(waiting.runId, 'agent', { call: 9 })).rejects.toMatchObject({
      message: `${prefix} call 9 waiting for approval.`,
    });
    const approved = await engine.approve(waiting.runId, 'agent', { call: 1, comment: 'fine' });
    expect(approved.status).toBe('waiting');
    expect((await listWaitingCalls(store, waiting.runId, 'agent')).map((waiter) => waiter.call)).toEqual([4]);
    const decided = (await store.listSubCalls(waiting.runId, 'agent')).find((entry) => entry.sequence === 3);
    expect(decided?.response).toMatchObject({ action: 'approve', comment: 'fine' });
    const done = await engine.reject(waiting.runId, 'agent', { reason: 'no' });
    expect(done.status).toBe('succeeded');
    await expect(engine.approve(waiting.runId, 'agent', { call: 1 })).rejects.toMatchObject({
      message: `${prefix} call 1 waiting for approval.`,
      hint: 'This step waits on no tool call.',
    });
  });

  it('lists what a run waits on: approvals, gated tool calls with their instructions, questions', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 2 }), 'Done.']);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const definition = define(
      {
        steps: [
          { id: 'first', kind: 'transform', value: '1' },
          { id: 'review', kind: 'approval', subject: 'go?' },
          gated(),
          { id: 'ask', kind: 'transform', value: { function: 'ask' } },
          { id: 'later', kind: 'transform', value: '1', needs: ['review'] },
        ],
      },
      {
        ask: (_scope: unknown, ctx: { interrupt(request: unknown): unknown }) =>
          ctx.interrupt({ key: 'plan', prompt: 'Which plan?' }),
      },
    );
    const waiting = await engine.run(definition);
    const items = await listWaiting(store, waiting.runId);
    expect(items.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'agent', kind: 'tool-call', call: 1, tool: 'add', args: { by: 2 }, instructions: 'Add 2?' },
      { path: 'ask', kind: 'question', key: 'plan', prompt: 'Which plan?' },
      { path: 'review', kind: 'approval' },
    ]);
  });

  it('refuses an edit that breaks a refinement of the tool schema and records nothing', async () => {
    const { tool } = counter();
    const model = createScriptedModel([call('add', { by: 2 }), 'Done.']);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const waiting = await engine.run(define({ steps: [gated()] }));
    await expect(engine.approve(waiting.runId, 'agent', { edit: { by: 13 } })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      stepPath: 'agent',
      message: expect.stringContaining('unlucky'),
      hint: 'Fix the edit file and decide again.',
    });
    expect(await listWaitingCalls(store, waiting.runId, 'agent')).toHaveLength(1);
    // A process without the tool cannot check an edit of its arguments.
    const elsewhere = setup({ store });
    await expect(elsewhere.engine.approve(waiting.runId, 'agent', { edit: { by: 3 } })).rejects.toMatchObject(
      {
        code: 'TOOL_NOT_FOUND',
        stepPath: 'agent',
      },
    );
  });

  it('resumes after a crash past the decision without asking again or running the tool twice', async () => {
    const { tool, runs } = counter();
    const model = createScriptedModel([call('add', { by: 2 }), 'Done.']);
    const { engine, store } = setup({ model, tools: { add: tool } });
    const waiting = await engine.run(define({ steps: [gated()] }));
    const approved = await engine.approve(waiting.runId, 'agent', { by: 'ana' });
    expect(approved.status).toBe('succeeded');
    // A second engine on the same journal replays the step from scratch.
    const again = setup({ model, tools: { add: tool }, store });
    await store.updateRun(waiting.runId, { status: 'running' });
    const { ofType } = again;
    const resumed = await again.engine.resume(waiting.runId);
    expect(resumed.status).toBe('succeeded');
    expect(runs).toEqual([{ by: 2, key: `${waiting.runId}:agent:1` }]);
    expect(ofType('approval-request')).toHaveLength(0);
  });

  it('decides each gated call of a turn on its own: an approved sibling runs although the other is rejected', async () => {
    const { tool, runs } = counter();
    const model = createScriptedModel([
      {
        toolCalls: [
          { toolName: 'add', input: { by: 2 } },
          { toolName: 'add', input: { by: 3 } },
        ],
      },
      'Done.',
    ]);
    const { engine } = setup({ model, tools: { add: tool } });
    const waiting = await engine.run(define({ steps: [gated()] }));
    expect(waiting.waiting?.calls?.map((call) => call.call)).toEqual([1, 4]);
    const rejected = await engine.reject(waiting.runId, 'agent', { by: 'bo', reason: 'not 3', call: 4 });
    expect(rejected.status).toBe('waiting');
    expect(runs).toEqual([]);
    await expect(engine.approve(waiting.runId, 'agent', { by: 'bo', call: 4 })).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
    });
    const approved = await engine.approve(waiting.runId, 'agent', { by: 'ana' });
    expect(approved.status).toBe('succeeded');
    expect(runs).toEqual([{ by: 2, key: `${waiting.runId}:agent:1` }]);
    expect(sent(model, 1)).toContain('rejected by bo: not 3');
  });

  it('does not ask again for an identical call after a rejection', async () => {
    const { tool, runs } = counter();
    const model = createScriptedModel([call('add', { by: 2 }), call('add', { by: 2 }), 'Fine.']);
    const { engine } = setup({ model, tools: { add: tool } });
    const waiting = await engine.run(define({ steps: [gated()] }));
    const result = await engine.reject(waiting.runId, 'agent', { by: 'bo', reason: 'too much' });
    expect(result.status).toBe('succeeded');
    expect(runs).toEqual([]);
    expect(sent(model, 1)).toContain('rejected by bo: too much');
    expect(sent(model, 2)).toContain('rejected before and is not asked again');
  });

  it('gates a call through the tool’s own needsApproval', async () => {
    const { tool, runs } = counter();
    const model = createScriptedModel([call('add', { by: 7 }), 'Done.']);
    const needing = { ...tool, needsApproval: (input: unknown) => (input as { by: number }).by > 5 };
    const { engine } = setup({ model, tools: { add: needing } });
    const waiting = await engine.run(define({ steps: [agent({ state: undefined, system: undefined })] }));
    expect(waiting.status).toBe('waiting');
    expect(runs).toEqual([]);
  });

  it('journals a gated call with its arguments, the state and the model text, and rejects it when it expires', async () => {
    const { tool, runs } = counter();
    const clock = createManualClock();
    const model = createScriptedModel([
      { text: 'Adding two.', toolCalls: [{ toolName: 'add', input: { by: 2 } }] },
      'Nothing added.',
    ]);
    const { engine, store } = setup({ model, tools: { add: tool }, clock });
    const step = agent({
      approve: { add: { expires: '1h' } },
      state: { initial: { status: 'COUNTING', total: 0 } },
    });
    const waiting = await engine.run(define({ steps: [step] }));
    expect(waiting.waiting?.wakeAt).toBe(clock.now() + 3_600_000);
    const [request] = await listWaitingCalls(store, waiting.runId, 'agent');
    expect(request).toMatchObject({
      text: 'Adding two.',
      state: { status: 'COUNTING', total: 0 },
      args: { by: 2 },
    });
    clock.advance(3_600_000);
    const ended = await engine.resume(waiting.runId);
    expect(ended.status).toBe('succeeded');
    expect(runs).toEqual([]);
    expect(sent(model, 1)).toContain('rejected by baton: the request expired before anyone decided');
  });
});

describe('fatal tool errors', () => {
  it('ends the agent with TOOL_FAILED after the error went through `on`, the state in details', async () => {
    const model = createScriptedModel([call('charge', {})]);
    const charge: ToolDefinition = {
      inputSchema: z.object({}),
      execute: () => {
        throw Object.assign(new Error('card declined'), { fatal: true });
      },
    };
    const { engine } = setup({ model, tools: { charge } });
    const step = agent({
      tools: ['charge'],
      state: {
        initial: { status: 'PAYING' },
        on: { 'charge.error': { status: 'BROKEN', why: '{{ error }}' } },
      },
      system: undefined,
    });
    const result = await engine.run(define({ steps: [step] }));
    expect(result.error).toMatchObject({
      code: 'TOOL_FAILED',
      details: { tool: 'charge', state: { status: 'BROKEN', why: 'Tool "charge" failed: card declined' } },
    });
    expect(model.calls).toHaveLength(1);
  });
});
