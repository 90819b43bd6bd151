/**
 * A second process for sqlite-processes.test.ts: opens the journal, says `ready`, and on `go`
 * writes runs while the parent writes its own, then tries two leases. Prints one JSON line per
 * report; a failure is printed and ends the process with code 1.
 */
import { createInterface } from 'node:readline';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { runFixture, stepFixture } from '../../src/testing/store-fixtures.js';

const [path = '', count = '0'] = process.argv.slice(2);
const report = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

async function main(): Promise<void> {
  const store = new SqliteStore(path);
  report({ type: 'ready' });
  await new Promise<void>((resolve) =>
    createInterface({ input: process.stdin }).once('line', () => resolve()),
  );
  const firstWriteAt = Date.now();
  for (let index = 0; index < Number(count); index++) await writeRun(store, `child_${index}`);
  const lastWriteAt = Date.now();
  const now = Date.now();
  const heldByParent = (await store.claimRun('lease_parent', 'child', now + 60_000, now)) !== undefined;
  const own = (await store.claimRun('lease_child', 'child', now + 60_000, now)) !== undefined;
  await store.close();
  report({ type: 'done', firstWriteAt, lastWriteAt, heldByParent, own });
}

/** One run with three steps, each written with its attempt, as the runner does. */
export async function writeRun(store: SqliteStore, id: string): Promise<void> {
  await store.createRun(runFixture({ id, createdAt: Date.now() }));
  for (const path of ['extract', 'plan', 'answer']) {
    const attempt = { runId: id, path, attempt: 1, startedAt: Date.now() };
    await store.writeStep(stepFixture({ runId: id, path, status: 'running' }), {
      ...attempt,
      status: 'running',
    });
    await store.writeStep(stepFixture({ runId: id, path, output: { path } }), {
      ...attempt,
      status: 'succeeded',
    });
  }
}

if (process.argv[1]?.endsWith('sqlite-writer-process.ts')) {
  main().catch((error: unknown) => {
    report({ type: 'error', error: String(error), code: (error as { code?: unknown }).code });
    process.exit(1);
  });
}
