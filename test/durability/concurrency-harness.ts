import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import type { LogEntry } from './concurrency-child.js';

/** What a child answered to one command. */
export interface Answer {
  id: number;
  ok: boolean;
  status?: string;
  code?: string;
  message?: string;
}

export type CommandName = 'start' | 'resume' | 'takeover' | 'cancel' | 'approve' | 'reject';

/** A child process of the concurrency tests (see concurrency-child.ts). */
export interface Worker {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
  send(command: CommandName, runId: string, workflow?: 'approval' | 'chain'): Promise<Answer>;
  stderr(): string;
}

const started: ChildProcess[] = [];

/** Kills every child still running: call in afterAll. */
export function killWorkers(): void {
  for (const child of started) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
}

export function startWorker(
  databasePath: string,
  logPath: string,
  name: string,
  leaseMs: number,
  stepMs = 20,
): Worker {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'concurrency-child.ts'),
      databasePath,
      logPath,
      name,
      String(leaseMs),
      String(stepMs),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  started.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const waiting = new Map<number, (answer: Answer) => void>();
  let nextId = 0;
  let signalReady = () => {};
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const message = JSON.parse(line) as Answer & { ready?: string };
    if (message.ready !== undefined) signalReady();
    else waiting.get(message.id)?.(message);
  });
  return {
    name,
    child,
    ready,
    send(command, runId, workflow) {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        child.stdin?.write(`${JSON.stringify({ id, command, runId, workflow })}\n`);
      });
    },
    stderr: () => stderr,
  };
}

export function readLog(logPath: string): LogEntry[] {
  if (!existsSync(logPath)) return [];
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEntry);
}

/**
 * Writes that landed although a later lease epoch had been granted before they began: a process
 * that had lost its lease journaled something. Sound across processes: a claim is logged after
 * the store granted it, a write's `begun` is taken before it is sent, and epochs only grow.
 */
export function writesAfterLosingLease(log: readonly LogEntry[]): string[] {
  const claims = log.filter((entry) => entry.type === 'claim');
  return log.flatMap((entry) => {
    if (entry.type !== 'write' || entry.fence === undefined) return [];
    const fence = entry.fence;
    const superseded = claims.find(
      (claim) => claim.runId === entry.runId && claim.epoch > fence && claim.at < entry.begun,
    );
    return superseded
      ? [
          `${entry.by} wrote ${entry.runId} ${entry.path} (${entry.status}) under epoch ${fence} after ${superseded.by} claimed epoch ${superseded.epoch}`,
        ]
      : [];
  });
}

/** Step executions that began after the step's success had been committed to the journal. */
export function reexecutedAfterSuccess(log: readonly LogEntry[]): string[] {
  const committed = new Map<string, number>();
  for (const entry of log) {
    if (entry.type !== 'write' || entry.status !== 'succeeded' || entry.path === '(run)') continue;
    const key = `${entry.runId} ${entry.path}`;
    committed.set(key, Math.min(committed.get(key) ?? Number.POSITIVE_INFINITY, entry.at));
  }
  return log.flatMap((entry) => {
    if (entry.type !== 'exec') return [];
    const at = committed.get(`${entry.runId} ${entry.path}`);
    return at !== undefined && entry.at > at ? [`${entry.by} ran ${entry.runId} ${entry.path} again`] : [];
  });
}

/** Steps of a succeeded run that the journal lacks or holds without output. */
export async function lostSteps(
  store: SqliteStore,
  runId: string,
  paths: readonly string[],
): Promise<string[]> {
  const steps = new Map((await store.listSteps(runId)).map((step) => [step.path, step]));
  return paths.filter(
    (path) => steps.get(path)?.status !== 'succeeded' || steps.get(path)?.output === undefined,
  );
}
