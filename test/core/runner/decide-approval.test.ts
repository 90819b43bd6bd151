import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';
import type { RunRecord, SubCallRecord } from '../../../src/core/index.js';
import { decideApproval, diffValues } from '../../../src/core/runner/decide-approval.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { define, setup } from '../fixtures.js';

/** A store that hands back runs as a journal on disk does: JSON, without the objects it was given. */
class JsonStore extends MemoryStore {
  override async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = await super.getRun(runId);
    return run && (JSON.parse(JSON.stringify(run)) as RunRecord);
  }
}

const totals = (limit: number, total = z.number()) =>
  workflow('plan')
    .approval('review', {
      subject: () => ({ total: 10 }),
      output: z.object({ total }).refine((value) => value.total <= limit, `at most ${limit}`),
    })
    .build();

describe('deciding an approval', () => {
  it('refuses a step that waits for no approval, naming its status and the approvals that wait', async () => {
    const { engine } = setup();
    const definition = workflow('two')
      .approval('first', { subject: () => ({}), output: z.object({}) })
      .approval('second', { subject: () => ({}), output: z.object({}), needs: ['first'] })
      .transform('ask', {
        needs: ['first'],
        run: async (_scope, ctx) => ctx.interrupt({ key: 'k', prompt: '?' }),
      })
      .build();
    const waiting = await engine.run(definition);
    const next = await engine.approve(waiting.runId, 'first', {}, { definition });
    expect(next.status).toBe('waiting');
    // A step that waits for an answer, not an approval; only `second` waits for one now.
    await expect(engine.approve(waiting.runId, 'ask' as never, {}, { definition })).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      stepPath: 'ask',
      message: `Step "ask" of run ${waiting.runId} is not waiting for approval (status waiting).`,
      hint: 'Waiting approvals: second.',
    });
    await expect(engine.approve(waiting.runId, 'nope' as never, {}, { definition })).rejects.toMatchObject({
      message: `Step "nope" of run ${waiting.runId} is not waiting for approval (no such step).`,
    });
    const other = await engine.run(
      workflow('none')
        .transform('a', { run: () => 1 })
        .build(),
    );
    await expect(engine.approve(other.runId, 'a', {})).rejects.toMatchObject({
      message: `Step "a" of run ${other.runId} is not waiting for approval (status succeeded).`,
      hint: 'This run waits on no approval.',
    });
  });

  it('refuses an approval whose request is missing from the journal', async () => {
    class NoSubCalls extends MemoryStore {
      override async listSubCalls(): Promise<SubCallRecord[]> {
        return [];
      }
    }
    const { engine } = setup({ store: new NoSubCalls() });
    const definition = totals(100);
    const waiting = await engine.run(definition);
    await expect(
      decideApproval(engine.services, waiting.runId, 'review', { action: 'approve' }),
    ).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      stepPath: 'review',
      message: `Step "review" of run ${waiting.runId} has no approval request.`,
    });
  });

  it("checks an edit with the Zod schema of the definition given, the run's journal holding only JSON", async () => {
    const { engine } = setup({ store: new JsonStore() });
    const definition = totals(100);
    const waiting = await engine.run(definition);
    await expect(
      decideApproval(
        engine.services,
        waiting.runId,
        'review',
        { action: 'approve', edit: { total: 500 } },
        definition,
      ),
    ).rejects.toMatchObject({ code: 'OUTPUT_INVALID', message: expect.stringContaining('at most 100') });
  });

  it('checks an edit with the schema the run started with when the definition given has changed', async () => {
    const { engine } = setup({ store: new JsonStore() });
    const waiting = await engine.run(totals(100));
    // The changed definition's schema (at most 20) does not apply; the run's own accepts 50.
    const decision = await decideApproval(
      engine.services,
      waiting.runId,
      'review',
      { action: 'approve', edit: { total: 50 }, comment: 'ok' },
      totals(20, z.number().max(20)),
    );
    expect(decision).toMatchObject({ action: 'approve', comment: 'ok', edit: { total: 50 } });
    expect(decision.diff).toEqual([{ path: 'total', before: 10, after: 50 }]);
  });

  it('refuses a second decision, saying who decided and how', async () => {
    const { engine } = setup();
    const definition = totals(100);
    const first = await engine.run(definition);
    await engine.reject(first.runId, 'review', { by: 'ada', reason: 'no' }, { definition });
    const refused = await engine
      .approve(first.runId, 'review', { by: 'bob' }, { definition })
      .catch((error) => error);
    expect(refused).toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      message: expect.stringMatching(/^Step "review" of run \S+ was already rejected by ada at \d{4}-/),
      details: { decision: { action: 'reject', by: 'ada', reason: 'no' } },
    });
    const second = await engine.run(definition);
    await engine.approve(second.runId, 'review', { by: 'ada' }, { definition });
    await expect(
      engine.reject(second.runId, 'review', { reason: 'late' }, { definition }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('was already approved by ada'),
    });
  });

  it('finds the schema of an approval that follows a map', async () => {
    const { engine } = setup();
    const definition = define({
      steps: [
        {
          id: 'each',
          kind: 'map',
          items: '[1]',
          steps: [{ id: 'double', kind: 'transform', value: 'item * 2' }],
        },
        {
          id: 'review',
          kind: 'approval',
          subject: { total: 10 },
          output: { type: 'object', properties: { total: { type: 'number' } } },
          needs: ['each'],
        },
      ],
    });
    const waiting = await engine.run(definition);
    await expect(
      engine.approve(waiting.runId, 'review', { edit: { total: 'ten' } }, { definition }),
    ).rejects.toMatchObject({ code: 'OUTPUT_INVALID' });
  });
});

describe('diffValues', () => {
  it('lists the paths where two values differ, with the values before and after', () => {
    expect(diffValues({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] }, d: true })).toEqual([
      { path: 'b.c[1]', before: 2, after: 3 },
      { path: 'd', before: undefined, after: true },
    ]);
  });

  it('takes a value that changed its kind or an array that changed its length as one change', () => {
    expect(diffValues(null, { a: 1 })).toEqual([{ path: '(root)', before: null, after: { a: 1 } }]);
    expect(diffValues({ a: 'ab' }, { a: ['a', 'b'] })).toEqual([
      { path: 'a', before: 'ab', after: ['a', 'b'] },
    ]);
    expect(diffValues([1], [1, 2])).toEqual([{ path: '(root)', before: [1], after: [1, 2] }]);
    expect(diffValues({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: 'a', before: [1], after: { 0: 1 } }]);
  });
});
