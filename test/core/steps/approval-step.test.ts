import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { define, setup } from '../fixtures.js';

const planWorkflow = (extra: Record<string, unknown> = {}, functions: Record<string, () => unknown> = {}) =>
  define(
    {
      steps: [
        { id: 'plan', kind: 'transform', value: { function: 'plan' } },
        {
          id: 'review',
          kind: 'approval',
          subject: { plan: '{{ steps.plan }}' },
          instructions: 'Check the plan for {{ steps.plan }}',
          output: { type: 'object', properties: { plan: { type: 'string' } }, required: ['plan'] },
          ...extra,
        },
        { id: 'execute', kind: 'transform', value: '"executed " & steps.review.plan' },
      ],
    },
    { plan: () => 'migrate db', ...functions },
  );

describe('approval step', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('suspends the run durably, then continues from another engine on approval', async () => {
    const store = new MemoryStore();
    let planned = 0;
    const definition = planWorkflow({}, { plan: () => `migrate db ${++planned}` });
    const first = setup({ store });
    const waiting = await first.engine.run(definition);
    expect(waiting).toMatchObject({ status: 'waiting', waiting: { paths: ['review'] } });
    expect(first.ofType('approval-request')).toMatchObject([
      { path: 'review', subject: { plan: 'migrate db 1' }, instructions: 'Check the plan for migrate db 1' },
    ]);
    expect((await store.getRun(waiting.runId))?.status).toBe('waiting');

    const second = setup({ store });
    const done = await second.engine.approve(
      waiting.runId,
      'review',
      { by: 'ana', comment: 'go' },
      { definition },
    );
    expect(done.status).toBe('succeeded');
    expect(done.output).toMatchObject({ execute: 'executed migrate db 1' });
    expect(planned).toBe(1);
    const review = (await store.listSteps(waiting.runId)).find((step) => step.path === 'review');
    expect(review).toMatchObject({ status: 'succeeded', note: 'approved by ana: go' });
  });

  it('records who edited what and uses the edited subject', async () => {
    const { engine, store } = setup();
    const { runId } = await engine.run(planWorkflow());
    const done = await engine.approve(runId, 'review', { by: 'bo', edit: { plan: 'migrate db at night' } });
    expect(done.output).toMatchObject({ execute: 'executed migrate db at night' });
    const [, decision] = await store.listSubCalls(runId, 'review');
    expect(decision?.response).toMatchObject({
      action: 'approve',
      by: 'bo',
      diff: [{ path: 'plan', before: 'migrate db', after: 'migrate db at night' }],
    });
  });

  it('refuses an edit that does not match the step schema and records nothing', async () => {
    const { engine, store } = setup();
    const { runId } = await engine.run(planWorkflow());
    await expect(engine.approve(runId, 'review', { edit: { plan: 42 } })).rejects.toMatchObject({
      code: 'OUTPUT_INVALID',
      stepPath: 'review',
    });
    expect(await store.listSubCalls(runId, 'review')).toHaveLength(1);
    expect((await store.getRun(runId))?.status).toBe('waiting');
  });

  it('fails the run with APPROVAL_REJECTED and the reason on rejection', async () => {
    const { engine } = setup();
    const { runId } = await engine.run(planWorkflow());
    const done = await engine.reject(runId, 'review', { by: 'cy', reason: 'too risky' });
    expect(done.error).toMatchObject({ code: 'APPROVAL_REJECTED', stepPath: 'review' });
    expect(done.error?.message).toContain('too risky');
  });

  it('routes a rejection with onError', async () => {
    const { engine } = setup();
    const definition = planWorkflow({ onError: { route: 'notify' } });
    definition.workflow.steps.push({
      id: 'notify',
      kind: 'transform',
      value: '"rejected: " & error.details.decision.reason',
    });
    const { runId } = await engine.run(definition);
    const done = await engine.reject(runId, 'review', { reason: 'no' });
    expect(done.output).toMatchObject({ notify: 'rejected: no' });
  });

  describe('with outcome: true', () => {
    const outcomeWorkflow = () => {
      const definition = planWorkflow({ outcome: true });
      definition.workflow.steps[2] = { id: 'execute', kind: 'transform', value: 'steps.review' };
      return definition;
    };
    const executed = (output: unknown) => (output as { execute?: unknown }).execute;
    const noteOf = async (store: MemoryStore, runId: string) =>
      (await store.listSteps(runId)).find((step) => step.path === 'review')?.note;

    it('outputs an approval as a value: the subject, who approved it and their comment', async () => {
      const { engine, store } = setup();
      const { runId } = await engine.run(outcomeWorkflow());
      const done = await engine.approve(runId, 'review', { by: 'ana', comment: 'go' });
      expect(executed(done.output)).toStrictEqual({
        decision: 'approved',
        value: { plan: 'migrate db' },
        by: 'ana',
        comment: 'go',
      });
      expect(await noteOf(store as MemoryStore, runId)).toBe('approved by ana');
    });

    it('outputs an edit as the edited value, with no comment when none was given', async () => {
      const { engine, store } = setup();
      const { runId } = await engine.run(outcomeWorkflow());
      const done = await engine.approve(runId, 'review', { by: 'bo', edit: { plan: 'migrate at night' } });
      expect(executed(done.output)).toStrictEqual({
        decision: 'edited',
        value: { plan: 'migrate at night' },
        by: 'bo',
      });
      expect(await noteOf(store as MemoryStore, runId)).toBe('approved by bo with edits');
    });

    it('outputs a rejection as a value with its reason, and the run goes on', async () => {
      const { engine, store } = setup();
      const { runId } = await engine.run(outcomeWorkflow());
      const done = await engine.reject(runId, 'review', { by: 'cy', reason: 'too risky' });
      expect(done.status).toBe('succeeded');
      expect(executed(done.output)).toStrictEqual({ decision: 'rejected', reason: 'too risky', by: 'cy' });
      expect(await noteOf(store as MemoryStore, runId)).toBe('rejected by cy');
    });
  });

  it('applies onExpiry when nobody decides in time', async () => {
    vi.useFakeTimers();
    const { engine, ofType } = setup();
    const first = await engine.run(planWorkflow({ expires: '1h', onExpiry: 'approve' }));
    expect(first.waiting?.wakeAt).toBe(Date.now() + 3_600_000);
    await vi.advanceTimersByTimeAsync(3_599_000);
    expect(await engine.resume(first.runId)).toMatchObject({ status: 'waiting' });
    expect(ofType('approval-response')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(ofType('run-end').at(-1)?.status).toBe('succeeded'));
    expect(ofType('approval-response')).toMatchObject([{ action: 'approve', by: 'baton' }]);
  });

  it('waits on several approvals at once and continues when all are decided', async () => {
    const { engine } = setup();
    const definition = define({
      steps: [
        { id: 'legal', kind: 'approval', subject: 'contract' },
        { id: 'finance', kind: 'approval', subject: 'budget' },
        { id: 'sign', kind: 'transform', value: 'steps.legal & "+" & steps.finance' },
      ],
    });
    const first = await engine.run(definition);
    expect(first.waiting?.paths.sort()).toEqual(['finance', 'legal']);
    const half = await engine.approve(first.runId, 'legal');
    expect(half).toMatchObject({ status: 'waiting', waiting: { paths: ['finance'] } });
    const done = await engine.approve(first.runId, 'finance');
    expect(done.output).toMatchObject({ sign: 'contract+budget' });
  });

  it('refuses a decision on a step that is not waiting', async () => {
    const { engine } = setup();
    const { runId } = await engine.run(planWorkflow());
    await expect(engine.approve(runId, 'plan')).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      hint: 'Waiting approvals: review.',
    });
  });
});
