import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';
import { fromModels } from '../../../src/baton.js';
import { createEngine } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../../src/testing/index.js';

/** A step that sends a welcome mail once, asks for a plan (at most 10 seats), then drafts a note. */
function onboarding(sent: string[]) {
  return workflow('onboard', { input: z.object({ name: z.string() }) })
    .transform('setup', {
      run: async ({ input }, ctx) => {
        await ctx.once('welcome-mail', () => {
          sent.push(input.name);
          return { sent: true };
        });
        const plan = await ctx.interrupt({
          key: 'plan',
          prompt: `Which plan for ${input.name}?`,
          schema: z
            .object({ plan: z.enum(['free', 'pro']), seats: z.number() })
            .refine((value) => value.seats <= 10, 'at most 10 seats'),
        });
        const note = await ctx.generate({ prompt: `Write a note for ${input.name} on ${plan.plan}` });
        return { plan, note };
      },
    })
    .build();
}

function engineWith(store: MemoryStore, model: ReturnType<typeof createScriptedModel>) {
  return createEngine({
    store,
    models: fromModels({ test: { model, pricing: { inputPerMillion: 1, outputPerMillion: 2 } } }),
  });
}

describe('code-step context', () => {
  it('asks, refuses a bad answer, accepts a good one, and does each side effect and model call once', async () => {
    const sent: string[] = [];
    const definition = onboarding(sent);
    const store = new MemoryStore();
    const model = createScriptedModel([
      { text: 'Welcome aboard!', usage: { inputTokens: 100, outputTokens: 50 } },
    ]);
    const engine = engineWith(store, model);

    const waiting = await engine.run(definition, { input: { name: 'Ada' } });
    expect(waiting.status).toBe('waiting');
    expect(waiting.waiting?.questions).toEqual([
      { path: 'setup', key: 'plan', prompt: 'Which plan for Ada?' },
    ]);

    // Wrong shape: refused against the journaled schema; nothing is recorded.
    await expect(
      engine.answer(waiting.runId, 'setup', { value: { plan: 'gold' } }, { definition }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    // Right shape, but the refinement refuses it: the run still waits.
    await expect(
      engine.answer(waiting.runId, 'setup', { value: { plan: 'pro', seats: 50 }, by: 'ada' }, { definition }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('at most 10 seats') });
    expect((await store.getRun(waiting.runId))?.status).toBe('waiting');

    const done = await engine.answer(
      waiting.runId,
      'setup',
      { value: { plan: 'pro', seats: 3 }, by: 'ada' },
      { definition },
    );
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({ setup: { plan: { plan: 'pro', seats: 3 }, note: 'Welcome aboard!' } });
    // The function ran four times; the mail went out once and the model was called once.
    expect(sent).toEqual(['Ada']);
    expect(model.calls).toHaveLength(1);
    const calls = await store.listSubCalls(waiting.runId, 'setup');
    expect(calls.map((call) => [call.sequence, call.kind, call.name])).toEqual([
      [0, 'once', 'welcome-mail'],
      [2, 'interrupt', 'plan'],
      [3, 'answer', 'plan'],
      [4, 'generate', 'default'],
    ]);
    expect(calls[2]?.response).toMatchObject({ value: { plan: 'pro', seats: 3 }, by: 'ada' });
    const [step] = await store.listSteps(done.runId);
    expect(step).toMatchObject({ usage: { inputTokens: 100, outputTokens: 50 }, costUsd: 0.0002 });
    expect(done.costUsd).toBeCloseTo(0.0002);
  });

  it('does not call the model again when a run resumes after ctx.generate', async () => {
    const store = new MemoryStore();
    const model = createScriptedModel(['first draft']);
    let runs = 0;
    const definition = workflow('draft')
      .transform('write', {
        run: async (_scope, ctx) => {
          runs++;
          const draft = await ctx.generate({ prompt: 'Draft it' });
          return ctx.interrupt({ key: 'ok', prompt: `Ship "${draft}"?`, schema: z.boolean() });
        },
      })
      .build();
    const engine = engineWith(store, model);
    const waiting = await engine.run(definition);
    expect(waiting.costUsd).toBeGreaterThan(0);
    const done = await engine.answer(waiting.runId, 'write', { value: true }, { definition });
    expect(done.output).toEqual({ write: true });
    expect(runs).toBe(2);
    expect(model.calls).toHaveLength(1);
    // Spent once, counted once.
    expect(done.costUsd).toBeCloseTo(waiting.costUsd, 12);
    expect(done.usage).toEqual(waiting.usage);
  });

  it('counts a ctx.generate once when the step that made it failed and the run is resumed', async () => {
    const store = new MemoryStore();
    const model = createScriptedModel([{ text: 'draft', usage: { inputTokens: 100, outputTokens: 50 } }]);
    let fail = true;
    const definition = workflow('retried')
      .transform('write', {
        run: async (_scope, ctx) => {
          const draft = await ctx.generate({ prompt: 'Draft it' });
          if (fail) throw new Error('not yet');
          return draft;
        },
      })
      .build();
    const engine = engineWith(store, model);
    const failed = await engine.run(definition);
    expect(failed.status).toBe('failed');
    fail = false;
    const done = await engine.resume(failed.runId, { definition });
    expect(done.output).toEqual({ write: 'draft' });
    expect(model.calls).toHaveLength(1);
    // One call, paid once: the replayed call adds its usage back, the failed attempt's is not added again.
    expect(done.usage).toEqual(failed.usage);
    expect(done.costUsd).toBeCloseTo(failed.costUsd, 12);
  });

  it('fails clearly when a re-run asks a different question than the journal holds', async () => {
    const store = new MemoryStore();
    let key = 'first';
    const definition = workflow('moving')
      .transform('ask', { run: async (_scope, ctx) => ctx.interrupt({ key, prompt: 'Go?' }) })
      .build();
    const engine = engineWith(store, createScriptedModel(['-']));
    const waiting = await engine.run(definition);
    key = 'second';
    const failed = await engine.answer(waiting.runId, 'ask', { value: 'yes' }, { definition });
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toContain(
      'interrupt "second" as call 1, but when it ran before that call was interrupt "first"',
    );
  });
});

describe('answering a question', () => {
  function twoQuestions() {
    return workflow('two')
      .transform('ask', {
        run: async (_scope, ctx) => {
          const first = await ctx.interrupt({ key: 'first', prompt: 'One?' });
          const second = await ctx.interrupt({ key: 'second', prompt: 'Two?' });
          return { first, second };
        },
      })
      .build();
  }

  it('goes to the latest unanswered question of the step', async () => {
    const store = new MemoryStore();
    const definition = twoQuestions();
    const engine = engineWith(store, createScriptedModel(['-']));
    const waiting = await engine.run(definition);
    const next = await engine.answer(waiting.runId, 'ask', { value: 1, key: 'first' }, { definition });
    expect(next.waiting?.questions).toEqual([{ path: 'ask', key: 'second', prompt: 'Two?' }]);
    // The first question is answered: only the second can be.
    await expect(
      engine.answer(waiting.runId, 'ask', { value: 9, key: 'first' }, { definition }),
    ).rejects.toMatchObject({
      code: 'QUESTION_NOT_PENDING',
      message: `Step "ask" of run ${waiting.runId} is not waiting for an answer to "first" (status waiting).`,
      hint: 'It waits for an answer to "second".',
    });
    const done = await engine.answer(waiting.runId, 'ask', { value: 2, key: 'second' }, { definition });
    expect(done.output).toEqual({ ask: { first: 1, second: 2 } });
  });

  it('refuses a step that asks nothing, naming its status or that there is no such step', async () => {
    const store = new MemoryStore();
    const definition = workflow('plain')
      .transform('done', { run: async () => 1 })
      .transform('ask', { run: async (_scope, ctx) => ctx.interrupt({ key: 'k', prompt: 'Go?' }) })
      .build();
    const engine = engineWith(store, createScriptedModel(['-']));
    const waiting = await engine.run(definition);
    await expect(engine.answer(waiting.runId, 'done', { value: 1 }, { definition })).rejects.toMatchObject({
      code: 'QUESTION_NOT_PENDING',
      stepPath: 'done',
      message: `Step "done" of run ${waiting.runId} is not waiting for an answer (status succeeded).`,
      hint: '`baton show <run>` lists the questions of a run and their answers.',
    });
    await expect(engine.answer(waiting.runId, 'nope', { value: 1 }, { definition })).rejects.toMatchObject({
      message: `Step "nope" of run ${waiting.runId} is not waiting for an answer (no such step).`,
    });
    // An answer without a key goes to the question that waits; one with its key as well.
    const done = await engine.answer(waiting.runId, 'ask', { value: 'yes', key: 'k' }, { definition });
    expect(done.output).toEqual({ done: 1, ask: 'yes' });
    const answer = (await store.listSubCalls(waiting.runId, 'ask')).find((call) => call.kind === 'answer');
    expect(answer?.response).toMatchObject({ value: 'yes', by: 'unknown' });
    // Answered once: a second answer finds nothing to answer.
    await expect(engine.answer(waiting.runId, 'ask', { value: 'no' }, { definition })).rejects.toMatchObject({
      message: `Step "ask" of run ${waiting.runId} is not waiting for an answer (status succeeded).`,
    });
  });
});
