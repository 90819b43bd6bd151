import { expect, it } from 'vitest';
import type { AttemptRecord, SubCallRecord } from '../core/index.js';
import { type StoreSubject, stepFixture, subCallFixture } from './store-fixtures.js';

export function writeStepTests(subject: StoreSubject): void {
  it('returns a step as it was written, with no fields added', async () => {
    const steps = [
      stepFixture({ path: 'plan', status: 'running', startedAt: 1 }),
      stepFixture({
        path: 'review[3]/check',
        startedAt: 2,
        stepId: 'check',
        kind: 'llm',
        endedAt: 1_700_000_002_000,
        input: { prompt: 'Check {{ item }}' },
        output: { verdict: 'ok', scores: [1, 2.5] },
        error: { code: 'RATE_LIMITED', message: 'Slow down.', retryable: true, retryAfterMs: 2000 },
        note: 'continued',
        handled: 'continued',
        model: 'openai:gpt-4o-mini',
        usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 },
        costUsd: 0.0001,
        outputSize: 33,
        cached: true,
      }),
      stepFixture({ path: 'refine#2', stepId: 'refine', startedAt: 3, cached: false }),
    ];
    for (const step of steps) await subject().writeStep(step);
    expect(await subject().listSteps('run_1')).toStrictEqual(steps);
  });

  it('replaces the record at the same path, fields left out included', async () => {
    await subject().writeStep(
      stepFixture({ status: 'running', error: { code: 'STEP_TIMEOUT', message: 'Late.', retryable: true } }),
    );
    const done = stepFixture({ status: 'succeeded', attempt: 2, output: 'done', endedAt: 1_700_000_003_000 });
    await subject().writeStep(done);
    expect(await subject().listSteps('run_1')).toStrictEqual([done]);
  });

  it('keeps null, false, zero and empty outputs apart from no output', async () => {
    const outputs: unknown[] = [null, false, 0, '', [], {}];
    for (const [index, output] of outputs.entries())
      await subject().writeStep(stepFixture({ path: `s${index}`, output }));
    await subject().writeStep(stepFixture({ path: 'z-none' }));
    const steps = await subject().listSteps('run_1');
    expect(steps.map((step) => step.output)).toStrictEqual([...outputs, undefined]);
    expect(steps.at(-1)).not.toHaveProperty('output');
  });

  it('keeps large inputs and outputs intact, the same value at several paths included', async () => {
    const output = {
      text: 'Sally earned 12 dollars an hour. '.repeat(8000),
      items: Array.from({ length: 500 }, (_, i) => i),
    };
    const steps = ['a', 'b', 'c'].map((path) => stepFixture({ path, input: { text: output.text }, output }));
    for (const step of steps) await subject().writeStep(step);
    expect(await subject().listSteps('run_1')).toStrictEqual(steps);
  });

  it('keeps any JSON value intact, keys that look like internal markers included', async () => {
    const odd = { $blob: 'not a reference', $$blob: 1, blob: [null, { $blob: 'deadbeef' }] };
    const output = {
      odd,
      big: { odd, text: 'x'.repeat(3000) },
      many: Array.from({ length: 200 }, (_, index) => ({ index, odd, text: 'é✓ "quoted" \\ \n' })),
    };
    const steps = [stepFixture({ path: 'large', output }), stepFixture({ path: 'small', output: odd })];
    for (const step of steps) await subject().writeStep(step);
    expect(await subject().listSteps('run_1')).toStrictEqual(steps);
  });

  it('lists steps by start time, those without one first, then by path', async () => {
    const starts: Array<[string, number | undefined]> = [
      ['c', 3],
      ['b', 1],
      ['a', 1],
      ['skipped', undefined],
    ];
    for (const [path, startedAt] of starts) {
      const step = stepFixture({ path });
      if (startedAt === undefined) delete step.startedAt;
      else step.startedAt = startedAt;
      await subject().writeStep(step);
    }
    await subject().writeStep(stepFixture({ path: 'c', startedAt: 3, status: 'succeeded' }));
    expect((await subject().listSteps('run_1')).map((step) => step.path)).toEqual(['skipped', 'a', 'b', 'c']);
  });

  it('keeps every one of many writes made at once, the last write of a path winning', async () => {
    const writes = Array.from({ length: 300 }, (_, index) =>
      subject().writeStep(
        stepFixture({ path: `item[${index % 100}]`, startedAt: index % 100, output: index }),
      ),
    );
    await Promise.all(writes);
    const steps = await subject().listSteps('run_1');
    expect(steps.map((step) => step.output)).toEqual(Array.from({ length: 100 }, (_, index) => index + 200));
  });

  it('keeps the steps of each run apart', async () => {
    await subject().writeStep(stepFixture({ runId: 'run_1', output: 1 }));
    await subject().writeStep(stepFixture({ runId: 'run_2', output: 2 }));
    expect((await subject().listSteps('run_2')).map((step) => step.output)).toEqual([2]);
    expect(await subject().listSteps('run_missing')).toEqual([]);
  });

  it('is not changed by later changes to the written record', async () => {
    // The runner reuses one record object for every write of a step instance.
    const step = stepFixture({ status: 'running' });
    await subject().writeStep(step);
    Object.assign(step, { status: 'succeeded', output: 'later' });
    expect(await subject().listSteps('run_1')).toStrictEqual([stepFixture({ status: 'running' })]);
  });
}

export function attemptTests(subject: StoreSubject): void {
  const attempt = (overrides: Partial<AttemptRecord> = {}): AttemptRecord => ({
    runId: 'run_1',
    path: 'answer',
    attempt: 1,
    status: 'running',
    startedAt: 1_700_000_001_000,
    ...overrides,
  });

  it('records the attempt written with its step', async () => {
    await subject().writeStep(stepFixture(), attempt());
    // Another path of the same run, which a path-filtered list must leave out.
    await subject().writeStep(stepFixture({ path: 'other' }), attempt({ path: 'other' }));
    expect(await subject().listAttempts('run_1', 'answer')).toStrictEqual([attempt()]);
  });

  it('updates an attempt written again with the same number', async () => {
    await subject().writeStep(stepFixture(), attempt());
    const ended = attempt({ status: 'succeeded', endedAt: 1_700_000_002_000 });
    await subject().writeStep(stepFixture({ status: 'succeeded' }), ended);
    expect(await subject().listAttempts('run_1', 'answer')).toStrictEqual([ended]);
  });

  it('lists the attempts of a path in attempt order, with their errors', async () => {
    const error = { code: 'MODEL_CALL_FAILED' as const, message: 'Overloaded.', retryable: true };
    const attempts = [
      attempt({ attempt: 1, status: 'failed', endedAt: 1_700_000_001_500, error }),
      attempt({ attempt: 2, status: 'failed', endedAt: 1_700_000_002_500, error }),
      attempt({ attempt: 3, status: 'succeeded', endedAt: 1_700_000_003_500 }),
    ];
    for (const entry of attempts) await subject().writeStep(stepFixture({ attempt: entry.attempt }), entry);
    await subject().writeStep(stepFixture({ path: 'answerx' }), attempt({ path: 'answerx' }));
    await subject().writeStep(stepFixture({ runId: 'run_2' }), attempt({ runId: 'run_2' }));
    expect(await subject().listAttempts('run_1', 'answer')).toStrictEqual(attempts);
  });

  it('lists the attempts of every path of a run by path, then number, and only of that run', async () => {
    const entries = [attempt({ path: 'b', attempt: 2 }), attempt({ path: 'b' }), attempt({ path: 'a' })];
    for (const entry of entries) await subject().writeStep(stepFixture({ path: entry.path }), entry);
    await subject().writeStep(stepFixture({ runId: 'run_2' }), attempt({ runId: 'run_2' }));
    const listed = await subject().listAttempts('run_1');
    expect(listed.map((entry) => `${entry.path}#${entry.attempt}`)).toEqual(['a#1', 'b#1', 'b#2']);
  });

  it('leaves the attempts alone when a step is written without one', async () => {
    await subject().writeStep(stepFixture(), attempt());
    await subject().writeStep(stepFixture({ status: 'cancelled' }));
    expect(await subject().listAttempts('run_1', 'answer')).toStrictEqual([attempt()]);
  });
}

export function subCallTests(subject: StoreSubject): void {
  it('returns the sub-calls of a path in sequence order, as written', async () => {
    const calls = [2, 0, 1].map((sequence) => subCallFixture({ sequence }));
    for (const call of calls) await subject().writeSubCall(call);
    expect(await subject().listSubCalls('run_1', 'agent')).toStrictEqual(
      [0, 1, 2].map((sequence) => subCallFixture({ sequence })),
    );
  });

  it('replaces a sub-call written again with the same sequence', async () => {
    await subject().writeSubCall(subCallFixture({ response: undefined }));
    const answered = subCallFixture({ response: { temperature: 21 } });
    await subject().writeSubCall(answered);
    expect(await subject().listSubCalls('run_1', 'agent')).toStrictEqual([answered]);
  });

  it('inserts a sub-call only where none is: of concurrent inserts exactly one lands', async () => {
    const decisions = ['ana', 'bo', 'cy'].map((by) => subCallFixture({ sequence: 7, response: { by } }));
    const results = await Promise.all(decisions.map((call) => subject().insertSubCall(call)));
    const landed = results.filter((result) => result === undefined);
    expect(landed).toHaveLength(1);
    const [kept] = await subject().listSubCalls('run_1', 'agent');
    expect(results.filter((result) => result !== undefined)).toEqual([kept, kept]);
    expect(await subject().insertSubCall(subCallFixture({ sequence: 7 }))).toStrictEqual(kept);
  });

  it('keeps the sub-calls of other paths and runs apart', async () => {
    await subject().writeSubCall(subCallFixture());
    await subject().writeSubCall(subCallFixture({ path: 'other' }));
    await subject().writeSubCall(subCallFixture({ runId: 'run_2' }));
    expect(await subject().listSubCalls('run_1', 'agent')).toHaveLength(1);
    expect(await subject().listSubCalls('run_1', 'missing')).toEqual([]);
  });

  it('keeps large requests and responses intact and adds no fields', async () => {
    const large = subCallFixture({
      request: { prompt: 'q'.repeat(20_000) },
      response: { text: 'r'.repeat(20_000) },
    });
    const bare: SubCallRecord = {
      runId: 'run_1',
      path: 'agent',
      sequence: 1,
      kind: 'tool-call',
      createdAt: 1,
    };
    await subject().writeSubCall(large);
    await subject().writeSubCall(bare);
    expect(await subject().listSubCalls('run_1', 'agent')).toStrictEqual([large, bare]);
  });
}

/** `insertSubCall`: the one-winner insert a decision on an approval is recorded with. */
export function decisionTests(subject: StoreSubject): void {
  const decision = (by: string) =>
    subCallFixture({ path: 'review', sequence: 1, kind: 'approval-decision', response: { by } });

  it('records a sub-call where none is, and returns the recorded one where one is', async () => {
    expect(await subject().insertSubCall(decision('ana'))).toBeUndefined();
    expect(await subject().insertSubCall(decision('bob'))).toStrictEqual(decision('ana'));
    expect(await subject().listSubCalls('run_1', 'review')).toStrictEqual([decision('ana')]);
  });

  it('lets exactly one of many concurrent inserts land, and tells every other which one did', async () => {
    const people = Array.from({ length: 12 }, (_, index) => `person-${index}`);
    const results = await Promise.all(people.map((by) => subject().insertSubCall(decision(by))));
    const winners = people.filter((_, index) => results[index] === undefined);
    expect(winners).toHaveLength(1);
    for (const result of results) if (result) expect(result.response).toEqual({ by: winners[0] });
    expect(await subject().listSubCalls('run_1', 'review')).toHaveLength(1);
  });

  it('keeps sequences, paths and runs apart', async () => {
    await subject().insertSubCall(decision('ana'));
    expect(await subject().insertSubCall({ ...decision('bob'), sequence: 2 })).toBeUndefined();
    expect(await subject().insertSubCall({ ...decision('bob'), path: 'other' })).toBeUndefined();
    expect(await subject().insertSubCall({ ...decision('bob'), runId: 'run_2' })).toBeUndefined();
  });
}

/** `rememberDefinitionSource` and `definitionSource`: where a journaled definition was loaded from. */
export function definitionSourceTests(subject: StoreSubject): void {
  const sources = () => {
    const store = subject();
    if (!store.rememberDefinitionSource || !store.definitionSource)
      throw new TypeError('This store records no definition sources: skip the definitionSources group.');
    return { remember: store.rememberDefinitionSource.bind(store), find: store.definitionSource.bind(store) };
  };

  it('finds the source last recorded for a hash, and nothing for an unknown hash', async () => {
    const { remember, find } = sources();
    await remember('a'.repeat(64), '/work/flows/a.yaml', 1);
    await remember('b'.repeat(64), '/work/flows/b.yaml', 2);
    await remember('a'.repeat(64), '/work/moved/a.yaml', 3);
    expect(await find('a'.repeat(64))).toBe('/work/moved/a.yaml');
    expect(await find('b'.repeat(64))).toBe('/work/flows/b.yaml');
    expect(await find('c'.repeat(64))).toBeUndefined();
  });

  it('loses none of many concurrent registrations', async () => {
    const { remember, find } = sources();
    const hashes = Array.from({ length: 30 }, (_, index) => String(index).padStart(64, '0'));
    await Promise.all(hashes.map((hash, index) => remember(hash, `/flows/${index}.yaml`, index)));
    expect(await Promise.all(hashes.map((hash) => find(hash)))).toEqual(
      hashes.map((_, index) => `/flows/${index}.yaml`),
    );
  });
}
