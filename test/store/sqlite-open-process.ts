/**
 * A process for sqlite-processes.test.ts that opens the journal at a given moment (so several
 * open a new file at once) and writes one run. Prints `ok`, or the error and exits with 1.
 */
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { writeRun } from './sqlite-writer-process.js';

const [path = '', startAt = '0'] = process.argv.slice(2);
// Spin rather than sleep: a timer would blur the moment the processes meet.
while (Date.now() < Number(startAt)) {}
try {
  const store = new SqliteStore(path);
  await writeRun(store, `run_${process.pid}`);
  await store.close();
  process.stdout.write('ok\n');
} catch (error) {
  process.stdout.write(`${String(error)}\n`);
  process.exit(1);
}
