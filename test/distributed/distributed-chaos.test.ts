import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatonError, createEngine, type StepRecord } from '../../src/core/index.js';
import { createDistributedRuns, type DistributedRuns } from '../../src/distributed/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { dropSchema, dropTestStore, openTestStore, postgresUrl } from '../store/postgres-fixture.js';
import { createDistributedWorkflow, queueSchemaFor } from './distributed-fixture.js';

/**
 * The distributed chaos test: 4 worker processes run many runs of the distributed workflow (a
 * chain, a fan-out, a map and an approval decided by this process through the API) while a random
 * worker is SIGKILLed and restarted, or frozen with SIGSTOP past its lease and let go, every
 * 0.5-2 s. `BATON_CHAOS_RUNS=200` runs the full size; CI runs fewer to fit in about two minutes.
 */
const runCount = Number(process.env.BATON_CHAOS_RUNS ?? 60);
const leaseMs = 1500;
const seed = Number(process.env.BATON_CHAOS_SEED ?? Date.now() % 100_000);

let store: PostgresStore;
let queueSchema: string;
let runs: DistributedRuns;
let directory: string;
let logPath: string;

beforeAll(async () => {
  store = await openTestStore(import.meta.filename);
  queueSchema = queueSchemaFor(store.schema);
  runs = await createDistributedRuns({ store, connectionString: postgresUrl, queueSchema });
  directory = mkdtempSync(join(tmpdir(), 'baton-chaos-'));
  logPath = join(directory, 'log.jsonl');
  writeFileSync(logPath, '');
});

afterAll(async () => {
  await dropTestStore(store);
  await dropSchema(queueSchema);
  rmSync(directory, { recursive: true, force: true });
});

interface Entry {
  e: 'exec' | 'effect' | 'job';
  pid: number;
  run: string;
  path: string;
  t: number;
  key?: string;
  attempt?: number;
  kind?: string;
}

function startWorker(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'chaos-worker.ts'),
      postgresUrl,
      store.schema,
      queueSchema,
      logPath,
      String(leaseMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`A worker exited with ${code} before it was ready.`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', () => resolve(child));
  });
}

/** A small seeded generator, so a failing schedule can be replayed with BATON_CHAOS_SEED. */
function random(): number {
  state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
  return state / 2_147_483_648;
}
let state = seed;

describe('distributed chaos', () => {
  it(`${runCount} runs end as an uninterrupted run would, across killed and frozen workers (seed ${seed})`, async () => {
    const workers = await Promise.all([0, 1, 2, 3].map(() => startWorker()));
    const killed = new Map<number, number>();
    const frozen: Array<{ pid: number; from: number; to: number }> = [];
    const definition = createDistributedWorkflow(() => {});
    const ids: string[] = [];
    for (let index = 0; index < runCount; index++) {
      ids.push((await runs.start(definition, { input: { base: index + 1 } })).runId);
    }
    let chaos = true;
    const havoc = (async () => {
      while (chaos) {
        await sleep(500 + random() * 1500);
        if (!chaos) break;
        const slot = Math.floor(random() * workers.length);
        const victim = workers[slot] as ChildProcess;
        const pid = victim.pid as number;
        if (random() < 0.75) {
          victim.removeAllListeners('exit');
          victim.kill('SIGKILL');
          killed.set(pid, Date.now());
          workers[slot] = await startWorker();
        } else {
          // Frozen past its lease: the rest take its steps over; what it writes after is refused.
          const from = Date.now();
          victim.kill('SIGSTOP');
          await sleep(leaseMs * 2);
          victim.kill('SIGCONT');
          frozen.push({ pid, from, to: Date.now() });
        }
      }
    })();
    const pending = new Set(ids);
    // Kills go on for at most 90 s; then the workers left must finish every run within the rest of
    // the deadline, so a run the havoc left stuck still fails the test. (Under a loaded CI machine,
    // kills every 0.5-2 s could otherwise outpace the progress of the last runs.)
    const quietAt = Date.now() + 90_000;
    const deadline = Date.now() + 170_000;
    while (pending.size > 0 && Date.now() < deadline) {
      if (Date.now() >= quietAt) chaos = false;
      for (const runId of [...pending]) {
        const run = await store.getRun(runId);
        if (run?.status === 'waiting') {
          await runs
            .decide(runId, 'review', { action: 'approve', by: 'ops', comment: 'fine' })
            .catch((error) => {
              if (!BatonError.is(error, 'APPROVAL_NOT_PENDING')) throw error;
            });
        } else if (run && run.status !== 'running') pending.delete(runId);
      }
      await sleep(100);
    }
    chaos = false;
    await havoc;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.removeAllListeners('exit');
            worker.once('exit', () => resolve());
            worker.kill('SIGTERM');
          }),
      ),
    );
    const entries = readFileSync(logPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Entry);

    // Every run ended succeeded, with the output of an uninterrupted run.
    const engine = createEngine({
      store: new MemoryStore(),
      workflows: { distributed: definition },
    });
    for (const [index, runId] of ids.entries()) {
      const run = await store.getRun(runId);
      if (run?.status !== 'succeeded') console.error(await explain(runId, entries));
      expect(run?.status, `run ${runId}: ${JSON.stringify(run?.error)}`).toBe('succeeded');
      const alone = await engine.run(definition, { input: { base: index + 1 } });
      const approved = await engine.approve(alone.runId, 'review', { by: 'ops', comment: 'fine' });
      expect(withoutTimes(run?.output)).toEqual(withoutTimes(approved.output));
    }

    const records = new Map<string, StepRecord>();
    for (const runId of ids) {
      for (const step of await store.listSteps(runId)) records.set(`${runId}:${step.path}`, step);
    }
    const execs = entries.filter((entry) => entry.e === 'exec');
    // The execution's process had its commit of the step refused: it lost the step's lease.
    const lostLease = (exec: Entry) =>
      entries.some(
        (entry) =>
          entry.kind === 'refused' &&
          entry.pid === exec.pid &&
          entry.run === exec.run &&
          entry.path === topOf(exec.path),
      );
    const byStep = groupBy(execs, (entry) => `${entry.run}:${entry.path}`);
    let repeated = 0;
    for (const [key, list] of byStep) {
      const record = records.get(key);
      expect(record?.status, key).toBe('succeeded');
      // No step ran again once it had finished: every execution started before its journaled end.
      for (const entry of list) expect(entry.t, key).toBeLessThanOrEqual(record?.endedAt as number);
      // A step ran more than once only when a process running it was killed or frozen meanwhile.
      if (list.length > 1) {
        repeated++;
        for (const entry of list.slice(0, -1)) {
          const interrupted =
            killed.has(entry.pid) ||
            frozen.some((pause) => pause.pid === entry.pid && pause.to >= entry.t) ||
            lostLease(entry);
          expect(
            interrupted,
            `${key} ran again though ${entry.pid} was neither killed, frozen nor refused its commit`,
          ).toBe(true);
        }
      }
    }
    // Side effects repeat only under the same idempotency key: one key per step instance.
    const effects = entries.filter((entry) => entry.e === 'effect');
    expect(new Set(effects.map((entry) => entry.key)).size).toBe(byStep.size);
    // Exactly one commit landed per step job that ended; refused ones came from processes that lost the step.
    const commits = groupBy(
      entries.filter((entry) => entry.e === 'job' && entry.kind === 'committed'),
      (entry) => `${entry.run}:${entry.path}:${entry.attempt}`,
    );
    for (const [key, list] of commits) {
      if (list.length !== 1) {
        const [run = '', path = ''] = key.split(':');
        console.error(await explain(run, entries), JSON.stringify(await store.listAttempts(run, path)));
      }
      expect(list.length, `${key}: ${JSON.stringify(list)}`).toBe(1);
    }
    const landed = groupBy(
      entries.filter((entry) => entry.e === 'job' && entry.kind === 'committed' && entry.path !== 'review'),
      (entry) => `${entry.run}:${entry.path}`,
    );
    for (const [key, list] of landed) expect(list.length, key).toBe(1);
    // A commit is refused only when the step's lease moved on: the process was frozen past it, or
    // (starved of CPU on a loaded machine) another process took the step over: it ran the step
    // first, or committed the same attempt.
    for (const refused of entries.filter((entry) => entry.e === 'job' && entry.kind === 'refused')) {
      const story = entries.filter(
        (entry) => entry.run === refused.run && topOf(entry.path) === refused.path,
      );
      const takenOver = story.some(
        (entry) =>
          entry.pid !== refused.pid &&
          ((entry.e === 'exec' && entry.t <= refused.t) ||
            (entry.kind === 'committed' && entry.path === refused.path && entry.attempt === refused.attempt)),
      );
      expect(
        frozen.some((pause) => pause.pid === refused.pid) || takenOver,
        `${JSON.stringify(refused)} from a process never frozen: ${JSON.stringify(story)} (frozen: ${JSON.stringify(frozen)}, killed: ${JSON.stringify([...killed])})`,
      ).toBe(true);
    }
    console.info(
      `chaos: ${runCount} runs, ${killed.size} kills, ${frozen.length} freezes, ${repeated} step instances re-run after an interruption, ` +
        `${entries.filter((entry) => entry.kind === 'refused').length} commits refused`,
    );
  }, 260_000);
});

/** What a run that did not end holds: its steps, attempts, queued jobs and the log of its jobs. */
async function explain(runId: string, entries: readonly Entry[]): Promise<string> {
  const steps = (await store.listSteps(runId)).map((step) => `${step.path} ${step.status} #${step.attempt}`);
  const attempts = (await store.listAttempts(runId)).map(
    (attempt) => `${attempt.path} #${attempt.attempt} ${attempt.status}`,
  );
  const { rows: jobs } = await store.pool.query(
    `SELECT key, run_at, locked_by, locked_at, attempts, last_error FROM ${queueSchema}.jobs WHERE key LIKE $1`,
    [`${runId}:%`],
  );
  const { rows: leases } = await store.pool.query(
    'SELECT run_id, owner, epoch, until FROM leases WHERE run_id LIKE $1',
    [`${runId}#%`],
  );
  const log = entries.filter((entry) => entry.run === runId).map((entry) => JSON.stringify(entry));
  return [
    `run ${runId} did not end:`,
    ...steps,
    ...attempts,
    ...jobs.map((job) => JSON.stringify(job)),
    ...leases.map((lease) => JSON.stringify(lease)),
    ...log,
  ].join('\n  ');
}

function topOf(path: string): string {
  return path.split(/[/[]/)[0] as string;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The approval's decision carries the time it was made.
function withoutTimes(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, entry) => (key === 'at' ? undefined : entry)));
}
