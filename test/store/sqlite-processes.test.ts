import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { writeRun } from './sqlite-writer-process.js';

let directory: string;
let path: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'baton-processes-'));
  path = join(directory, 'baton.db');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

type Report =
  | { type: 'ready' }
  | { type: 'error'; error: string }
  | ({ type: 'done' } & Record<string, unknown>);

/** Starts the writer process; `next()` resolves with its next report line. */
function startWriter(count: number): { child: ChildProcess; next: () => Promise<Report> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'sqlite-writer-process.ts'), path, String(count)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done)
      throw new TypeError(`The writer process ended (exit code ${child.exitCode}) without a report.`);
    return JSON.parse(line.value) as Report;
  };
  return { child, next };
}

describe('SqliteStore shared by two processes', () => {
  it('lets two processes write one file at once, and grants a lease to one of them', async () => {
    const store = new SqliteStore(path);
    const now = Date.now();
    expect(await store.claimRun('lease_parent', 'parent', now + 60_000, now)).toBe(1);
    const count = 150;
    const writer = startWriter(count);
    expect(await writer.next()).toEqual({ type: 'ready' });
    writer.child.stdin?.write('go\n');
    const reported = writer.next();
    let childReport: Report | undefined;
    reported.then(
      (report) => {
        childReport = report;
      },
      () => {},
    );

    // The parent keeps writing until the child has finished, so the two overlap for its whole run.
    const firstWriteAt = Date.now();
    let written = 0;
    while (childReport === undefined || written < count) {
      await writeRun(store, `parent_${written++}`);
      if (written % 10 === 0) await yieldToEvents();
    }
    const done = await reported;

    expect(done).toMatchObject({ type: 'done', heldByParent: false, own: true });
    if (done.type !== 'done') return;
    expect(firstWriteAt).toBeLessThan(Number(done.lastWriteAt));
    expect(Date.now()).toBeGreaterThan(Number(done.firstWriteAt));
    const runs = await store.listRuns();
    expect(runs.filter((run) => run.id.startsWith('child_'))).toHaveLength(count);
    expect(runs.filter((run) => run.id.startsWith('parent_'))).toHaveLength(written);
    const steps = await store.listSteps('child_42');
    expect(steps.map((step) => [step.path, step.status])).toEqual([
      ['answer', 'succeeded'],
      ['extract', 'succeeded'],
      ['plan', 'succeeded'],
    ]);
    expect(await store.claimRun('lease_child', 'parent', Date.now() + 1000, Date.now())).toBeUndefined();
    await store.close();
  });

  it('lets several processes open one new file at the same moment', async () => {
    const startAt = Date.now() + 2500;
    const script = join(import.meta.dirname, 'sqlite-open-process.ts');
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, path, String(startAt)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let output = '';
        child.stdout.on('data', (chunk) => {
          output += chunk;
        });
        return new Promise<string>((resolve) => child.once('exit', () => resolve(output.trim())));
      }),
    );
    expect(outputs).toEqual(['ok', 'ok', 'ok', 'ok']);
    const store = new SqliteStore(path);
    expect(await store.listRuns()).toHaveLength(4);
    await store.close();
  });
});
