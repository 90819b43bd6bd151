import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import {
  type Answer,
  type CommandName,
  killWorkers,
  lostSteps,
  readLog,
  reexecutedAfterSuccess,
  startWorker,
  type Worker,
  writesAfterLosingLease,
} from './concurrency-harness.js';

const directory = mkdtempSync(join(tmpdir(), 'baton-concurrency-'));
afterAll(() => {
  killWorkers();
  rmSync(directory, { recursive: true, force: true });
});

const chainPaths = Array.from({ length: 12 }, (_, index) => `s${index + 1}`);
const approvalPaths = ['a1', 'a2', 'a3', 'review', 'b1', 'b2', 'b3'];

/** A fresh database and log with `count` ready workers. */
async function workers(label: string, count: number, leaseMs: number, stepMs = 20) {
  const databasePath = join(directory, `${label}.db`);
  const logPath = join(directory, `${label}.log`);
  new SqliteStore(databasePath).close();
  const pool = Array.from({ length: count }, (_, index) =>
    startWorker(databasePath, logPath, `${label}-${index}`, leaseMs, stepMs),
  );
  await Promise.all(pool.map((worker) => worker.ready));
  return { pool, databasePath, logPath, observer: new SqliteStore(databasePath) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForExecutions(logPath: string, runId: string, count: number): Promise<void> {
  for (let tries = 0; tries < 400; tries++) {
    if (readLog(logPath).filter((entry) => entry.type === 'exec' && entry.runId === runId).length >= count)
      return;
    await sleep(10);
  }
  throw new Error(`run ${runId} never reached ${count} step executions`);
}

describe('several processes on one journal', () => {
  it('records exactly one decision when two processes approve and reject at the same moment', {
    timeout: 120_000,
  }, async () => {
    const { pool, observer } = await workers('approvals', 2, 5_000);
    const [ana, bo] = pool as [Worker, Worker];
    for (let trial = 0; trial < 8; trial++) {
      const runId = `run_approval_${trial}`;
      expect(await ana.send('start', runId, 'approval')).toMatchObject({ ok: true, status: 'waiting' });
      // Released together: each writes its command in the same tick.
      const [approved, rejected] = await Promise.all([ana.send('approve', runId), bo.send('reject', runId)]);
      const answers = [approved, rejected];
      const losers = answers.filter((answer) => answer.code === 'APPROVAL_NOT_PENDING');
      expect(losers, JSON.stringify(answers)).toHaveLength(1);
      const winner = approved.code === 'APPROVAL_NOT_PENDING' ? bo.name : ana.name;
      expect(losers[0]?.message).toContain(`by ${winner}`);
      const decisions = (await observer.listSubCalls(runId, 'review')).filter(
        (call) => call.kind === 'approval-decision',
      );
      expect(decisions.map((call) => (call.response as { by: string }).by)).toEqual([winner]);
    }
    await observer.close();
  });

  it('stops a process whose run is taken over while it runs: no step twice, none lost, none written late', {
    timeout: 120_000,
  }, async () => {
    const { pool, observer, logPath } = await workers('takeover', 2, 5_000);
    const [first, second] = pool as [Worker, Worker];
    const runId = 'run_takeover';
    const running = first.send('start', runId, 'chain');
    await waitForExecutions(logPath, runId, 3);
    const taken = await second.send('takeover', runId);
    expect(taken).toMatchObject({ ok: true, status: 'succeeded' });
    expect(await running).toMatchObject({ ok: false, code: 'LEASE_LOST' });
    const log = readLog(logPath);
    expect(writesAfterLosingLease(log)).toEqual([]);
    expect(reexecutedAfterSuccess(log)).toEqual([]);
    expect(await lostSteps(observer, runId, chainPaths)).toEqual([]);
    expect(await observer.getRun(runId)).toMatchObject({ status: 'succeeded' });
    await observer.close();
  });

  it('refuses the writes of a process stopped with SIGSTOP past its lease, once it is continued', {
    timeout: 120_000,
  }, async () => {
    const leaseMs = 400;
    const { pool, observer, logPath } = await workers('stalled', 2, leaseMs);
    const [stalled, next] = pool as [Worker, Worker];
    const runId = 'run_stalled';
    const running = stalled.send('start', runId, 'chain');
    await waitForExecutions(logPath, runId, 3);
    stalled.child.kill('SIGSTOP');
    await sleep(leaseMs * 2);
    // Its lease has expired: an ordinary resume takes the run, no takeover needed.
    expect(await next.send('resume', runId)).toMatchObject({ ok: true, status: 'succeeded' });
    stalled.child.kill('SIGCONT');
    expect(await running).toMatchObject({ ok: false, code: 'LEASE_LOST' });
    const log = readLog(logPath);
    expect(writesAfterLosingLease(log)).toEqual([]);
    expect(reexecutedAfterSuccess(log)).toEqual([]);
    expect(await lostSteps(observer, runId, chainPaths)).toEqual([]);
    const outputs = (await observer.listSteps(runId)).map((step) => step.output);
    expect(outputs).toEqual(chainPaths.map((path) => `${path} done`));
    expect(await observer.getRun(runId)).toMatchObject({ status: 'succeeded' });
    await observer.close();
  });

  it('keeps every invariant while processes resume, take over, cancel, approve and stall at random', {
    timeout: 180_000,
  }, async () => {
    const leaseMs = 500;
    // Steps of 60-180 ms: runs last long enough for the others to barge in.
    const { pool, observer, logPath } = await workers('chaos', 3, leaseMs, 60);
    const random = seededRandom(20_261_207);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const runIds = Array.from({ length: 6 }, (_, index) => `run_chaos_${index}`);
    const decisions: Array<{ runId: string; by: string; answer: Answer }> = [];
    const inFlight: Array<Promise<unknown>> = [];
    const issue = (worker: Worker, command: CommandName, runId: string) => {
      const answered = worker.send(command, runId, 'approval').then((answer) => {
        if (command === 'approve' || command === 'reject') decisions.push({ runId, by: worker.name, answer });
        return answer;
      });
      inFlight.push(answered);
    };
    // Half the runs start at once, the rest while the others are being fought over.
    const unstarted = [...runIds];
    const startedRuns = unstarted.splice(0, 3);
    for (const runId of startedRuns) issue(pick(pool), 'start', runId);
    const actions: CommandName[] = [
      'resume',
      'takeover',
      'takeover',
      'cancel',
      'approve',
      'reject',
      'approve',
    ];
    const deadline = Date.now() + 20_000;
    for (let round = 0; round < 80 && Date.now() < deadline; round++) {
      const worker = pick(pool);
      if (random() < 0.08) {
        // A stall longer than the lease: another process may take the run meanwhile.
        worker.child.kill('SIGSTOP');
        await sleep(leaseMs + 200);
        worker.child.kill('SIGCONT');
      } else if (unstarted.length > 0 && random() < 0.1) {
        const runId = unstarted.shift() ?? '';
        startedRuns.push(runId);
        issue(worker, 'start', runId);
      } else {
        issue(worker, pick(actions), pick(startedRuns));
      }
      await sleep(10 + Math.floor(random() * 50));
    }
    for (const runId of unstarted) issue(pick(pool), 'start', runId);
    const answers = (await Promise.all(inFlight)) as Answer[];
    // Every command was answered, none with an error outside the documented outcomes of a contest.
    const expected = ['APPROVAL_NOT_PENDING', 'RUN_NOT_FOUND', 'STORE_CONFLICT', 'LEASE_LOST'];
    expect(answers.filter((answer) => !answer.ok && !expected.includes(answer.code ?? ''))).toEqual([]);

    // Bring every run to an end, one process at a time, deciding what still waits.
    const finisher = pool[0] as Worker;
    for (const runId of runIds) {
      for (let tries = 0; tries < 5; tries++) {
        const status = (await observer.getRun(runId))?.status;
        if (status === 'succeeded' || status === 'failed') break;
        const waiting = (await observer.listSteps(runId)).some((step) => step.status === 'waiting');
        const answer = await finisher.send(waiting ? 'approve' : 'takeover', runId);
        if (waiting) decisions.push({ runId, by: finisher.name, answer });
      }
    }

    const log = readLog(logPath);
    // The plan did what it is for: runs changed hands while they ran.
    const handovers = log.filter((entry) => entry.type === 'claim' && entry.epoch > 1);
    expect(handovers.length).toBeGreaterThan(0);
    expect(writesAfterLosingLease(log)).toEqual([]);
    expect(reexecutedAfterSuccess(log)).toEqual([]);
    for (const runId of runIds) {
      const run = await observer.getRun(runId);
      expect(['succeeded', 'failed'], `${runId} ended ${run?.status}`).toContain(run?.status);
      const recorded = (await observer.listSubCalls(runId, 'review')).filter(
        (call) => call.kind === 'approval-decision',
      );
      // Every command whose decision was accepted is the one decision the journal holds.
      const refusals = ['APPROVAL_NOT_PENDING', 'RUN_NOT_FOUND'];
      const accepted = decisions.filter(
        (decision) => decision.runId === runId && !refusals.includes(decision.answer.code ?? ''),
      );
      expect(recorded).toHaveLength(1);
      const decidedBy = (recorded[0]?.response as { by?: string } | undefined)?.by;
      expect(accepted.map((decision) => decision.by)).toEqual([decidedBy]);
      if (run?.status === 'succeeded') expect(await lostSteps(observer, runId, approvalPaths)).toEqual([]);
      else expect(run?.error).toMatchObject({ code: 'APPROVAL_REJECTED' });
    }
    expect(pool.map((worker) => worker.stderr()).join('')).not.toMatch(/Error|at .*\.ts:/);
    await observer.close();
  });
});

/** A seeded generator (mulberry32): the same plan on every run of the test. */
function seededRandom(value: number): () => number {
  let state = value >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
