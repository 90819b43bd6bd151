import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type RunResult } from '../../src/core/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { crashInput, createCrashWorkflow } from './crash-workflow.js';

const kills = 50;
const seed = 20_261_121;
/** Children loading in the background, so a kill is followed at once by a process ready to resume. */
const warmChildren = 4;

const directory = mkdtempSync(join(tmpdir(), 'baton-crash-'));
const databasePath = join(directory, 'baton.db');
const logPath = join(directory, 'executions.log');
const runId = 'run_crash_resume';
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

/** A seeded generator (mulberry32): the same kill plan on every run of the test. */
function seededRandom(value: number): () => number {
  let state = value >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** When to kill: `delayMs` after the `executions`-th step start, or after `go` for 0 (in start-up or replay). */
interface KillPlan {
  executions: number;
  delayMs: number;
}

/** A child process running one attempt at the run. */
function startChild() {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'crash-child.ts'), databasePath, logPath, runId],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = new Promise<void>((resolve) => lines.once('line', () => resolve()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  /** Sends `go` and resolves with the run's result, or with 'killed' once the plan's kill landed. */
  const attempt = (plan: KillPlan | undefined): Promise<RunResult | 'killed'> =>
    new Promise((resolve, reject) => {
      let executions = 0;
      let result: RunResult | undefined;
      let killed = false;
      const kill = () => {
        const fire = () => {
          killed = child.kill('SIGKILL');
        };
        if (plan?.delayMs) setTimeout(fire, plan.delayMs);
        else fire();
      };
      lines.on('line', (line) => {
        if (line.startsWith('exec ') && ++executions === plan?.executions) kill();
        if (line.startsWith('done ')) result = JSON.parse(line.slice(5)) as RunResult;
      });
      exited.then(() => {
        if (result) resolve(result);
        else if (killed) resolve('killed');
        else reject(new TypeError(`The child ended (code ${child.exitCode}) without a result:\n${stderr}`));
      });
      child.stdin?.write('go\n');
      if (plan?.executions === 0) kill();
    });
  return { ready, attempt };
}

function readLog(): string[] {
  if (!existsSync(logPath)) return [];
  return readFileSync(logPath, 'utf8').split('\n').filter(Boolean);
}

/** What the journal said right after a kill: succeeded instances with outputs, and the log's length. */
interface Snapshot {
  kill: number;
  succeeded: Map<string, unknown>;
  executionsBefore: number;
  runStatus: string | undefined;
}

describe('a run killed with SIGKILL and resumed in new processes', () => {
  it('never repeats a journaled step, loses no output, and ends as an uninterrupted run', {
    timeout: 120_000,
  }, async () => {
    const observer = new SqliteStore(databasePath);
    const random = seededRandom(seed);
    const snapshots: Snapshot[] = [];
    const pool = Array.from({ length: warmChildren }, startChild);
    let spawned = pool.length;
    let result: RunResult | undefined;

    for (let attempt = 0; result === undefined; attempt++) {
      const child = pool.shift() ?? startChild();
      if (spawned <= kills) {
        pool.push(startChild());
        spawned++;
      }
      await child.ready;
      const executions = Math.floor(random() * 5);
      const delayMs = executions === 0 ? 2 + Math.floor(random() * 18) : Math.floor(random() * 3);
      const plan = attempt < kills ? { executions, delayMs } : undefined;
      const outcome = await child.attempt(plan);
      if (outcome !== 'killed') {
        result = outcome;
        break;
      }
      const steps = await observer.listSteps(runId);
      snapshots.push({
        kill: attempt + 1,
        succeeded: new Map(
          steps.filter((step) => step.status === 'succeeded').map((step) => [step.path, step.output]),
        ),
        executionsBefore: readLog().length,
        runStatus: (await observer.getRun(runId))?.status,
      });
    }

    expect(snapshots, 'the run ended before every kill landed; lengthen the workflow').toHaveLength(kills);
    expect(snapshots.filter((snapshot) => snapshot.runStatus === 'succeeded')).toEqual([]);
    expect(result.status).toBe('succeeded');

    const log = readLog();
    const repeated = snapshots.flatMap(({ kill, succeeded, executionsBefore }) =>
      log
        .slice(executionsBefore)
        .filter((path) => succeeded.has(path))
        .map((path) => `${path} after kill ${kill}`),
    );
    expect(repeated).toEqual([]);

    const finalSteps = await observer.listSteps(runId);
    const finalOutputs = new Map(finalSteps.map((step) => [step.path, step.output]));
    expect(finalSteps.filter((step) => step.status !== 'succeeded')).toEqual([]);
    const lost = snapshots.flatMap(({ kill, succeeded }) =>
      [...succeeded]
        .filter(([path, output]) => !isDeepStrictEqual(finalOutputs.get(path), output))
        .map(([path]) => `${path} after kill ${kill}`),
    );
    expect(lost).toEqual([]);

    const referenceStore = new MemoryStore();
    const reference = await createEngine({ store: referenceStore }).run(
      createCrashWorkflow(() => {}),
      { input: crashInput },
    );
    expect(result.output).toEqual(reference.output);
    expect((await observer.getRun(runId))?.output).toEqual(reference.output);
    const leafPaths = (await referenceStore.listSteps(reference.runId))
      .filter((step) => step.kind === 'transform')
      .map((step) => step.path);
    expect(new Set(log)).toEqual(new Set(leafPaths));
    expect(finalSteps.map((step) => step.path).sort()).toEqual(
      (await referenceStore.listSteps(reference.runId)).map((step) => step.path).sort(),
    );
    await observer.close();
  });
});
