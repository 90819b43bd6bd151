import { expect, it } from 'vitest';
import type { Store } from '../core/index.js';
import { runFixture, type StoreSubject, stepFixture, subCallFixture } from './store-fixtures.js';

export function createRunTests(subject: StoreSubject): void {
  it('returns a run as it was created, with no fields added', async () => {
    const run = runFixture();
    await subject().createRun(run);
    expect(await subject().getRun(run.id)).toStrictEqual(run);
  });

  it('keeps every optional field and a large input intact', async () => {
    const run = runFixture({
      input: { document: 'Sally earned 12 dollars. '.repeat(4000), pages: [1, 2, 3] },
      parentRunId: 'run_parent',
      endedAt: 1_700_000_009_000,
      output: { answer: 10 },
      error: { code: 'STEP_FAILED', message: 'Step "answer" failed.', stepPath: 'answer', retryable: false },
      usage: { inputTokens: 10, outputTokens: 20, cachedInputTokens: 5 },
      costUsd: 0.25,
    });
    await subject().createRun(run);
    expect(await subject().getRun(run.id)).toStrictEqual(run);
  });

  it('returns undefined for an unknown run', async () => {
    expect(await subject().getRun('run_missing')).toBeUndefined();
  });

  it('refuses a second run with the same id and keeps the first', async () => {
    await subject().createRun(runFixture());
    await expect(subject().createRun(runFixture({ workflowName: 'other' }))).rejects.toMatchObject({
      code: 'STORE_CONFLICT',
    });
    expect((await subject().getRun('run_1'))?.workflowName).toBe('triage');
  });

  it('is not changed by later changes to the created or returned record', async () => {
    const run = runFixture();
    await subject().createRun(run);
    run.status = 'failed';
    const read = await subject().getRun(run.id);
    if (read) read.status = 'cancelled';
    expect((await subject().getRun(run.id))?.status).toBe('running');
  });
}

export function updateRunTests(subject: StoreSubject): void {
  it('applies a patch and keeps the other fields', async () => {
    // Every field a patch may set is filled, so a patch that wipes what it does not name shows.
    const full = runFixture({
      endedAt: 1_700_000_009_000,
      output: { answer: 42, notes: 'n'.repeat(2000) },
      error: { code: 'STEP_FAILED', message: 'Broke.', retryable: false },
      usage: { inputTokens: 7, outputTokens: 3, cachedInputTokens: 1 },
      costUsd: 0.25,
      parentRunId: 'run_0',
    });
    await subject().createRun(full);
    await subject().updateRun('run_1', { status: 'waiting' });
    expect(await subject().getRun('run_1')).toStrictEqual({ ...full, status: 'waiting' });
    await subject().updateRun('run_1', { costUsd: 0.5 });
    expect(await subject().getRun('run_1')).toStrictEqual({ ...full, status: 'waiting', costUsd: 0.5 });
    await subject().updateRun('run_1', {});
    expect(await subject().getRun('run_1')).toStrictEqual({ ...full, status: 'waiting', costUsd: 0.5 });
  });

  it('ends a run with its output, error, usage and cost', async () => {
    await subject().createRun(runFixture());
    const patch = {
      status: 'failed' as const,
      endedAt: 1_700_000_005_000,
      output: { partial: 'x'.repeat(5000) },
      error: {
        code: 'BUDGET_EXCEEDED' as const,
        message: 'Over budget.',
        retryable: false,
        hint: 'Raise the budget.',
      },
      usage: { inputTokens: 100, outputTokens: 50, cachedInputTokens: 0 },
      costUsd: 1.5,
    };
    await subject().updateRun('run_1', patch);
    expect(await subject().getRun('run_1')).toStrictEqual(runFixture(patch));
  });

  it('replaces an output written before', async () => {
    await subject().createRun(runFixture());
    await subject().updateRun('run_1', { output: 'a'.repeat(3000) });
    await subject().updateRun('run_1', { output: null });
    expect((await subject().getRun('run_1'))?.output).toBeNull();
  });

  it('clears the end time and the error a patch sets to null, and keeps the rest', async () => {
    const error = { code: 'RUN_CANCELLED' as const, message: 'Cancelled.', retryable: false };
    await subject().createRun(runFixture({ status: 'cancelled', endedAt: 5, error, output: 1 }));
    await subject().updateRun('run_1', { status: 'running', endedAt: null, error: null });
    expect(await subject().getRun('run_1')).toStrictEqual(runFixture({ output: 1 }));
  });

  it('rejects a patch for an unknown run', async () => {
    await expect(subject().updateRun('run_missing', { status: 'failed' })).rejects.toMatchObject({
      code: 'RUN_NOT_FOUND',
    });
  });
}

export function listRunsTests(subject: StoreSubject): void {
  const runs = [
    runFixture({ id: 'run_a', workflowName: 'triage', createdAt: 1000, status: 'succeeded' }),
    runFixture({ id: 'run_b', workflowName: 'triage', createdAt: 2000, status: 'running' }),
    runFixture({ id: 'run_c', workflowName: 'summarize', createdAt: 3000, status: 'failed' }),
    runFixture({ id: 'run_d', workflowName: 'triage', createdAt: 3000, status: 'succeeded' }),
  ];
  const listed = async (filter?: Parameters<Store['listRuns']>[0]) => {
    for (const run of runs) await subject().createRun(run);
    return (await subject().listRuns(filter)).map((run) => run.id);
  };

  it('lists runs newest first, ties by id descending', async () => {
    expect(await listed()).toEqual(['run_d', 'run_c', 'run_b', 'run_a']);
  });

  it('returns whole records', async () => {
    await subject().createRun(runs[0] ?? runFixture());
    expect(await subject().listRuns()).toStrictEqual([runs[0]]);
  });

  it('filters by workflow name', async () => {
    expect(await listed({ workflowName: 'triage' })).toEqual(['run_d', 'run_b', 'run_a']);
  });

  it('filters by status', async () => {
    expect(await listed({ status: 'succeeded' })).toEqual(['run_d', 'run_a']);
  });

  it('keeps runs created at or after since', async () => {
    expect(await listed({ since: 2000 })).toEqual(['run_d', 'run_c', 'run_b']);
  });

  it('returns at most limit runs, the newest', async () => {
    expect(await listed({ limit: 2 })).toEqual(['run_d', 'run_c']);
  });

  it('combines filters', async () => {
    expect(await listed({ workflowName: 'triage', status: 'succeeded', since: 500, limit: 1 })).toEqual([
      'run_d',
    ]);
  });

  it('pages with a before cursor: runs after the position in list order', async () => {
    expect(await listed({ before: { createdAt: 3000, id: 'run_d' }, limit: 2 })).toEqual(['run_c', 'run_b']);
  });

  it('keeps runs created before a time with an empty cursor id', async () => {
    expect(await listed({ before: { createdAt: 3000, id: '' } })).toEqual(['run_b', 'run_a']);
  });

  it('pages through every run once with cursors from the last run of each page', async () => {
    for (const run of runs) await subject().createRun(run);
    const seen: string[] = [];
    let before: { createdAt: number; id: string } | undefined;
    for (;;) {
      const page = await subject().listRuns({ limit: 3, ...(before ? { before } : {}) });
      seen.push(...page.map((run) => run.id));
      const last = page.at(-1);
      if (page.length < 3 || !last) break;
      before = { createdAt: last.createdAt, id: last.id };
    }
    expect(seen).toEqual(['run_d', 'run_c', 'run_b', 'run_a']);
  });

  it('searches run ids and workflow names', async () => {
    expect(await listed({ search: 'summ' })).toEqual(['run_c']);
    expect((await subject().listRuns({ search: 'run_b' })).map((run) => run.id)).toEqual(['run_b']);
  });

  it('sees the status an update gave', async () => {
    for (const run of runs) await subject().createRun(run);
    await subject().updateRun('run_b', { status: 'succeeded' });
    expect((await subject().listRuns({ status: 'succeeded' })).map((run) => run.id)).toEqual([
      'run_d',
      'run_b',
      'run_a',
    ]);
  });
}

export function leaseTests(subject: StoreSubject): void {
  const leases = () => {
    const store = subject();
    if (!store.claimRun || !store.releaseRun)
      throw new TypeError('This store has no claimRun/releaseRun: skip the leases group.');
    return { claim: store.claimRun.bind(store), release: store.releaseRun.bind(store) };
  };

  it('claims a free run at epoch 1', async () => {
    expect(await leases().claim('run_1', 'worker-a', 1000, 0)).toBe(1);
  });

  it('refuses a run another owner holds until its lease expires', async () => {
    const { claim } = leases();
    await claim('run_1', 'worker-a', 1000, 0);
    expect(await claim('run_1', 'worker-b', 2000, 999)).toBeUndefined();
    expect(await claim('run_1', 'worker-b', 2000, 1000)).toBe(2);
    expect(await claim('run_1', 'worker-a', 3000, 1500)).toBeUndefined();
  });

  it('renews the lease of its holder at the same epoch', async () => {
    const { claim } = leases();
    await claim('run_1', 'worker-a', 1000, 0);
    expect(await claim('run_1', 'worker-a', 5000, 900)).toBe(1);
    expect(await claim('run_1', 'worker-b', 6000, 4000)).toBeUndefined();
  });

  it('frees a run its owner releases, and the next claim moves the epoch on', async () => {
    const { claim, release } = leases();
    await claim('run_1', 'worker-a', 1000, 0);
    await release('run_1', 'worker-a');
    expect(await claim('run_1', 'worker-b', 2000, 10)).toBe(2);
    await release('run_1', 'worker-b');
    expect(await claim('run_1', 'worker-b', 2000, 20)).toBe(3);
  });

  it('keeps a lease when another owner releases the run', async () => {
    const { claim, release } = leases();
    await claim('run_1', 'worker-a', 1000, 0);
    await release('run_1', 'worker-b');
    expect(await claim('run_1', 'worker-b', 2000, 10)).toBeUndefined();
  });

  it('grants a run to exactly one of many concurrent claims, and each run on its own', async () => {
    const { claim } = leases();
    const owners = Array.from({ length: 20 }, (_, index) => `worker-${index}`);
    const granted = await Promise.all(owners.map((owner) => claim('run_1', owner, 1000, 0)));
    expect(granted.filter((epoch) => epoch !== undefined)).toEqual([1]);
    expect(await claim('run_2', 'worker-x', 1000, 0)).toBe(1);
  });

  it('takes a run over whatever its lease, when the claim says every lease has expired', async () => {
    const { claim } = leases();
    await claim('run_1', 'worker-a', Number.MAX_SAFE_INTEGER - 1, 0);
    expect(await claim('run_1', 'worker-b', 2000, Number.MAX_SAFE_INTEGER)).toBe(2);
  });
}

/** Writes under a lease epoch (a fence): refused once another claim has moved the epoch on. */
export function fencingTests(subject: StoreSubject): void {
  const claim = (owner: string, until: number, now: number) => {
    const store = subject();
    if (!store.claimRun) throw new TypeError('This store has no claimRun: skip the fencing group.');
    return store.claimRun('run_1', owner, until, now);
  };
  const setUp = async () => {
    await subject().createRun(runFixture());
    return (await claim('worker-a', 1000, 0)) ?? 0;
  };

  it('accepts the writes of the lease holder', async () => {
    const epoch = await setUp();
    await subject().writeStep(stepFixture(), undefined, epoch);
    await subject().writeSubCall(subCallFixture(), epoch);
    await subject().updateRun('run_1', { status: 'succeeded' }, epoch);
    expect((await subject().getRun('run_1'))?.status).toBe('succeeded');
    expect(await subject().listSteps('run_1')).toHaveLength(1);
  });

  it('refuses every write made under an epoch another owner has superseded, and keeps the journal', async () => {
    const stale = await setUp();
    const current = await claim('worker-b', 5000, Number.MAX_SAFE_INTEGER);
    await subject().writeStep(stepFixture({ output: 'b' }), undefined, current);
    const refused = { code: 'LEASE_LOST', details: { runId: 'run_1', fence: stale, epoch: current } };
    await expect(
      subject().writeStep(stepFixture({ output: 'a' }), { ...attemptFixture() }, stale),
    ).rejects.toMatchObject(refused);
    await expect(subject().writeSubCall(subCallFixture(), stale)).rejects.toMatchObject(refused);
    await expect(subject().updateRun('run_1', { status: 'failed' }, stale)).rejects.toMatchObject(refused);
    const event = {
      type: 'step-skip',
      runId: 'run_1',
      path: 'x',
      stepId: 'x',
      reason: 'r',
      time: 1,
      seq: 1,
    } as const;
    await expect(subject().appendEvents('run_1', [event], stale)).rejects.toMatchObject(refused);
    expect(await subject().readEvents('run_1')).toEqual([]);
    await subject().appendEvents('run_1', [event], current);
    expect(await subject().lastEventSeq('run_1')).toBe(1);
    expect((await subject().listSteps('run_1')).map((step) => step.output)).toEqual(['b']);
    expect(await subject().listAttempts('run_1')).toEqual([]);
    expect(await subject().listSubCalls('run_1', 'agent')).toEqual([]);
    expect((await subject().getRun('run_1'))?.status).toBe('running');
  });

  it('refuses a stale write queued together with accepted ones, and commits those', async () => {
    const stale = await setUp();
    const current = await claim('worker-b', 5000, Number.MAX_SAFE_INTEGER);
    const writes = [
      subject().writeStep(stepFixture({ path: 'x' }), undefined, current),
      subject().writeStep(stepFixture({ path: 'y' }), undefined, stale),
      subject().writeStep(stepFixture({ path: 'z' })),
    ];
    const settled = await Promise.allSettled(writes);
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await subject().listSteps('run_1')).map((step) => step.path)).toEqual(['x', 'z']);
  });

  it('accepts writes made under the epoch a renewal kept, and refuses a fence for a run never claimed', async () => {
    const epoch = await setUp();
    expect(await claim('worker-a', 2000, 900)).toBe(epoch);
    await subject().writeStep(stepFixture(), undefined, epoch);
    await subject().createRun(runFixture({ id: 'run_2' }));
    await expect(subject().writeStep(stepFixture({ runId: 'run_2' }), undefined, 1)).rejects.toMatchObject({
      code: 'LEASE_LOST',
    });
  });
}

function attemptFixture() {
  return { runId: 'run_1', path: 'answer', attempt: 1, status: 'running' as const, startedAt: 1 };
}
