/**
 * One worker of the distributed chaos test, in its own process: runs the distributed workflow's
 * steps from the queue until it is killed, stopped or sent SIGTERM. Each step function appends
 * `exec` (with the time it started) and `effect` (its idempotency key) lines to the log, and each
 * job's outcome a `job` line, so the parent can check what ran where and which commits landed.
 */
import { appendFileSync } from 'node:fs';
import { createWorker } from '../../src/distributed/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { createDistributedWorkflow } from './distributed-fixture.js';

const [url = '', schema = '', queueSchema = '', logPath = '', leaseMs = '1500'] = process.argv.slice(2);
const log = (entry: object) => appendFileSync(logPath, `${JSON.stringify({ ...entry, pid: process.pid })}\n`);

const definition = createDistributedWorkflow(
  (path, run) => {
    log({ e: 'exec', run, path, t: Date.now() });
    // What a step would send to an outside service, keyed as the engine keys its calls.
    log({ e: 'effect', key: `${run}:${path}:1` });
  },
  (path) => 20 + ((path.length * 7919) % 60),
);
const store = await PostgresStore.open({ connectionString: url, schema, maxConnections: 3 });
const worker = await createWorker({
  store,
  connectionString: url,
  queueSchema,
  workflows: [definition],
  concurrency: 4,
  queueConnections: 2,
  pollIntervalMs: 200,
  leaseMs: Number(leaseMs),
  shutdownGraceMs: 2000,
  onJob: (job, outcome) =>
    log({ e: 'job', run: job.run, path: job.path, attempt: job.attempt, kind: outcome.kind, t: Date.now() }),
});
process.on('SIGTERM', () => {
  void worker
    .stop()
    .then(() => store.close())
    .then(() => process.exit(0));
});
process.stdout.write('ready\n');
