/**
 * One attempt at the crash test's run, in its own process: loads everything, says `ready`, and on
 * `go` starts the run (or resumes it when the journal has it) on the SQLite file. Each step
 * function appends its path to the executions log and says `exec <path>`; the end is
 * `done <result>`. The parent usually kills it with SIGKILL long before that.
 */
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createEngine } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { crashInput, createCrashWorkflow } from './crash-workflow.js';

const [databasePath = '', logPath = '', runId = ''] = process.argv.slice(2);

const definition = createCrashWorkflow((path) => {
  appendFileSync(logPath, `${path}\n`);
  process.stdout.write(`exec ${path}\n`);
});

process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));

const store = new SqliteStore(databasePath);
const engine = createEngine({ store, concurrency: 8 });
const result = (await store.getRun(runId))
  ? await engine.resume(runId, { definition, takeover: true })
  : await engine.run(definition, { runId, input: crashInput });
await store.close();
process.stdout.write(`done ${JSON.stringify(result)}\n`);
process.exit(0);
