import { describe, expect, it } from 'vitest';
import { createEngine, fromModels } from '../../src/core/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../src/testing/scripted-model.js';
import { describeStoreContract } from '../../src/testing/store-contract.js';
import { runFixture, stepFixture, subCallFixture } from '../../src/testing/store-fixtures.js';

describeStoreContract({
  name: 'MemoryStore',
  createStore: () => new MemoryStore(),
});

describe('MemoryStore maxEndedRuns', () => {
  const ended = { status: 'succeeded', endedAt: 1_700_000_009_000 } as const;

  async function runWithRecords(store: MemoryStore, id: string): Promise<void> {
    await store.createRun(runFixture({ id }));
    await store.writeStep(stepFixture({ runId: id }), {
      runId: id,
      path: 'answer',
      attempt: 1,
      status: 'succeeded',
      startedAt: 1_700_000_001_000,
    });
    await store.writeSubCall(subCallFixture({ runId: id }));
  }

  it('drops the run that ended longest ago, with its records, beyond the limit', async () => {
    const store = new MemoryStore({ maxEndedRuns: 2 });
    for (const id of ['run_a', 'run_b', 'run_c']) await runWithRecords(store, id);
    // Ended in the order b, a, c: b ended longest ago, although a was created first.
    for (const id of ['run_b', 'run_a', 'run_c']) await store.updateRun(id, ended);
    expect(await store.getRun('run_b')).toBeUndefined();
    expect(await store.listSteps('run_b')).toEqual([]);
    expect(await store.listAttempts('run_b')).toEqual([]);
    expect(await store.listSubCalls('run_b', 'agent')).toEqual([]);
    expect((await store.listRuns()).map((run) => run.id).sort()).toEqual(['run_a', 'run_c']);
    expect(await store.listSteps('run_a')).toHaveLength(1);
    expect(await store.listAttempts('run_a', 'answer')).toHaveLength(1);
  });

  it('keeps running and waiting runs whatever the limit', async () => {
    const store = new MemoryStore({ maxEndedRuns: 0 });
    await runWithRecords(store, 'run_running');
    await runWithRecords(store, 'run_waiting');
    await store.updateRun('run_waiting', { status: 'waiting' });
    await runWithRecords(store, 'run_done');
    await store.updateRun('run_done', { status: 'failed', endedAt: 1_700_000_009_000 });
    // The run that just ended may still journal its last events: it goes at the next change.
    await runWithRecords(store, 'run_next');
    expect((await store.listRuns()).map((run) => run.id).sort()).toEqual([
      'run_next',
      'run_running',
      'run_waiting',
    ]);
  });

  it('counts a resumed run as ended again only when it ends again', async () => {
    const store = new MemoryStore({ maxEndedRuns: 1 });
    await runWithRecords(store, 'run_a');
    await store.updateRun('run_a', ended);
    await store.updateRun('run_a', { status: 'running', endedAt: null });
    await runWithRecords(store, 'run_b');
    await store.updateRun('run_b', ended);
    expect(await store.getRun('run_a')).toMatchObject({ status: 'running' });
    await store.updateRun('run_a', ended);
    expect(await store.getRun('run_b')).toBeUndefined();
    expect(await store.getRun('run_a')).toMatchObject({ status: 'succeeded' });
  });

  it('keeps every run by default', async () => {
    const store = new MemoryStore();
    for (let index = 0; index < 50; index++) {
      await runWithRecords(store, `run_${index}`);
      await store.updateRun(`run_${index}`, ended);
    }
    expect(await store.listRuns()).toHaveLength(50);
  });

  it('bounds the runs an engine leaves behind', async () => {
    const store = new MemoryStore({ maxEndedRuns: 1 });
    const engine = createEngine({ store, models: fromModels({ default: createScriptedModel([]) }) });
    const definition = {
      workflow: { name: 'one', steps: [{ id: 'a', kind: 'transform' as const, value: '1' }] },
      functions: {},
    };
    const first = await engine.run(definition);
    const second = await engine.run(definition);
    expect(await store.getRun(first.runId)).toBeUndefined();
    expect(await store.getRun(second.runId)).toMatchObject({ status: 'succeeded' });
  });

  it('keeps no events of a run it dropped', async () => {
    const store = new MemoryStore({ maxEndedRuns: 1 });
    for (const id of ['run_a', 'run_b']) {
      await runWithRecords(store, id);
      await store.updateRun(id, ended);
    }
    const runEnd = { type: 'run-end', runId: 'run_a', status: 'succeeded', time: 1, seq: 1 };
    await store.appendEvents('run_a', [runEnd as Parameters<MemoryStore['appendEvents']>[1][number]]);
    expect(await store.readEvents('run_a')).toEqual([]);
    expect(await store.lastEventSeq('run_a')).toBe(0);
  });

  it('refuses a negative limit', () => {
    expect(() => new MemoryStore({ maxEndedRuns: -1 })).toThrow(/maxEndedRuns/);
  });
});
