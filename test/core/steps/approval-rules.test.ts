import { describe, expect, it } from 'vitest';
import type { Clock, Step } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { define, setup } from '../fixtures.js';

/** A clock the test moves by hand; its sleeps end only when aborted. */
function manualClock(start = 1_000_000): Clock & { time: number } {
  const clock: Clock & { time: number } = {
    time: start,
    now: () => clock.time,
    sleep: (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
  };
  return clock;
}

const review = (extra: Partial<Extract<Step, { kind: 'approval' }>> = {}): Step => ({
  id: 'review',
  kind: 'approval',
  subject: { plan: 'migrate' },
  ...extra,
});

describe('approval deadline', () => {
  it('keeps waiting when looked at before its deadline, and expires at it', async () => {
    const clock = manualClock();
    const { engine, store } = setup({ clock });
    const first = await engine.run(define({ steps: [review({ expires: '1h', onExpiry: 'approve' })] }));
    expect(first.waiting).toEqual({ paths: ['review'], wakeAt: clock.time + 3_600_000 });
    clock.time += 3_599_999;
    const early = await engine.resume(first.runId);
    expect(early).toMatchObject({ status: 'waiting', waiting: { paths: ['review'] } });
    expect(await store.listSubCalls(first.runId, 'review')).toHaveLength(1);
    clock.time += 1;
    const late = await engine.resume(first.runId);
    expect(late.status).toBe('succeeded');
    expect(late.output).toEqual({ review: { plan: 'migrate' } });
  });

  it('journals the decision an expiry makes, so another engine reads the same one', async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const first = setup({ clock, store });
    const { runId } = await first.engine.run(
      define({ steps: [review({ expires: '10m', onExpiry: 'approve' })] }),
    );
    clock.time += 600_000;
    await first.engine.resume(runId);
    const [, decision] = await store.listSubCalls(runId, 'review');
    expect(decision).toMatchObject({
      kind: 'approval-decision',
      sequence: 1,
      response: {
        action: 'approve',
        by: 'baton',
        at: clock.time,
        comment: 'approved when the request expired',
      },
    });
    const step = (await store.listSteps(runId)).find((record) => record.path === 'review');
    expect(step).toMatchObject({
      status: 'succeeded',
      note: 'approved by baton: approved when the request expired',
    });
  });

  it('rejects on expiry by default', async () => {
    const clock = manualClock();
    const { engine, store, ofType } = setup({ clock });
    const { runId } = await engine.run(define({ steps: [review({ expires: '1m' })] }));
    clock.time += 60_000;
    const done = await engine.resume(runId);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'APPROVAL_REJECTED', stepPath: 'review' });
    expect(done.error?.message).toContain('the request expired before anyone decided');
    expect(ofType('approval-response')).toMatchObject([{ action: 'reject', by: 'baton', edited: false }]);
    const [, decision] = await store.listSubCalls(runId, 'review');
    expect(decision?.response).toMatchObject({ action: 'reject', by: 'baton', at: clock.time });
  });

  it('announces its deadline with the request', async () => {
    const clock = manualClock();
    const { engine, ofType, store } = setup({ clock });
    const { runId } = await engine.run(define({ steps: [review({ expires: '2s', instructions: 'Look' })] }));
    expect(ofType('approval-request')).toMatchObject([
      { path: 'review', subject: { plan: 'migrate' }, instructions: 'Look', expiresAt: clock.time + 2_000 },
    ]);
    const [request] = await store.listSubCalls(runId, 'review');
    expect(request).toMatchObject({
      kind: 'approval-request',
      sequence: 0,
      request: { subject: { plan: 'migrate' }, requestedAt: clock.time, expiresAt: clock.time + 2_000 },
    });
  });
});

const schema = { type: 'object', properties: { plan: { type: 'string' } }, required: ['plan'] };

describe('approval decisions', () => {
  it('checks an edit against the schema of an approval nested in a map', async () => {
    const { engine, store } = setup();
    const steps: Step[] = [
      {
        id: 'each',
        kind: 'map',
        items: '["a"]',
        steps: [review({ subject: { plan: '{{ item }}' }, output: schema })],
      },
    ];
    const first = await engine.run(define({ steps }));
    const [path] = first.waiting?.paths ?? [];
    expect(path).toBeDefined();
    await expect(engine.approve(first.runId, path as string, { edit: { plan: 7 } })).rejects.toMatchObject({
      code: 'OUTPUT_INVALID',
    });
    expect(await store.listSubCalls(first.runId, path as string)).toHaveLength(1);
    const done = await engine.approve(first.runId, path as string, { edit: { plan: 'b' } });
    expect(done.output).toEqual({ each: [{ plan: 'b' }] });
  });

  it('checks an edit against the schema of an approval nested in a loop', async () => {
    const { engine } = setup();
    const steps: Step[] = [
      { id: 'again', kind: 'loop', maxIterations: 2, until: 'true', steps: [review({ output: schema })] },
    ];
    const first = await engine.run(define({ steps }));
    const [path] = first.waiting?.paths ?? [];
    await expect(engine.approve(first.runId, path as string, { edit: { plan: [] } })).rejects.toMatchObject({
      code: 'OUTPUT_INVALID',
    });
  });

  it('refuses a second decision on an approval already decided but not yet resumed', async () => {
    const { engine, store } = setup();
    const { runId } = await engine.run(define({ steps: [review()] }));
    await store.writeSubCall({
      runId,
      path: 'review',
      sequence: 1,
      kind: 'approval-decision',
      response: { action: 'approve', by: 'ana', at: 1 },
      createdAt: 1,
    });
    await expect(engine.reject(runId, 'review', { by: 'bo', reason: 'late' })).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      stepPath: 'review',
      message: expect.stringContaining('was already approved by ana'),
    });
    const done = await engine.resume(runId);
    expect(done.status).toBe('succeeded');
    expect((await store.listSubCalls(runId, 'review')).at(-1)?.response).toMatchObject({ by: 'ana' });
  });

  it('names the waiting approvals, or none, when a decision names the wrong step', async () => {
    const { engine } = setup();
    const { runId } = await engine.run(define({ steps: [review()] }));
    await expect(engine.approve(runId, 'nope')).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      message: expect.stringContaining('no such step'),
      hint: 'Waiting approvals: review.',
    });
    await engine.approve(runId, 'review', { by: 'ana' });
    await expect(engine.approve(runId, 'review')).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      // Who decided is the most useful answer once a decision is recorded.
      message: expect.stringContaining('was already approved by ana'),
      hint: expect.stringContaining('See the decision'),
    });
  });

  it('records an approval without a name as by unknown, with its comment, and a rejection with its reason', async () => {
    const { engine, store } = setup();
    const steps = [review(), { ...review(), id: 'second' } as Step];
    const { runId } = await engine.run(define({ steps }));
    await engine.approve(runId, 'review', { comment: 'fine' });
    await engine.reject(runId, 'second', { by: 'cy', reason: 'no' });
    const [, approval] = await store.listSubCalls(runId, 'review');
    expect(approval?.response).toEqual({
      action: 'approve',
      by: 'unknown',
      at: expect.any(Number),
      comment: 'fine',
    });
    const [, rejection] = await store.listSubCalls(runId, 'second');
    expect(rejection?.response).toEqual({ action: 'reject', by: 'cy', at: expect.any(Number), reason: 'no' });
  });
});

describe('approval edit diffs', () => {
  async function diffOf(subject: unknown, edit: unknown) {
    const { engine, store } = setup();
    const { runId } = await engine.run(define({ steps: [review({ subject: subject as never })] }));
    await engine.approve(runId, 'review', { edit });
    const [, decision] = await store.listSubCalls(runId, 'review');
    return (decision?.response as { diff?: unknown } | undefined)?.diff;
  }

  it('lists each changed path: nested keys, list items by index, added and removed keys', async () => {
    expect(
      await diffOf(
        { plan: { steps: ['a', 'b'], owner: 'ana' }, keep: 1 },
        { plan: { steps: ['a', 'c'], due: 'mon' }, keep: 1 },
      ),
    ).toEqual([
      { path: 'plan.steps[1]', before: 'b', after: 'c' },
      { path: 'plan.owner', before: 'ana', after: undefined },
      { path: 'plan.due', before: undefined, after: 'mon' },
    ]);
  });

  it('replaces a list of another length, or a value of another type, as a whole', async () => {
    expect(await diffOf({ steps: ['a'] }, { steps: ['a', 'b'] })).toEqual([
      { path: 'steps', before: ['a'], after: ['a', 'b'] },
    ]);
    expect(await diffOf('draft', { text: 'draft' })).toEqual([
      { path: '(root)', before: 'draft', after: { text: 'draft' } },
    ]);
  });
});
