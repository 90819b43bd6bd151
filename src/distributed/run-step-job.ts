import { BatonError, type BatonEvent, type EventListener, type StepRecord } from '../core/index.js';
import { isolateListeners } from '../core/runner/isolate-listeners.js';
import { reusable } from '../core/runner/resume-run.js';
import { type RunLease, takeLease } from '../core/runner/run-lease.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';
import {
  type CommitResult,
  commitStep,
  type DistributedContext,
  keepJournaled,
  type StepWrite,
} from './commit-step.js';
import { runGraphPass } from './graph-pass.js';
import { addStepJobs, type Dispatch, type QueueTarget, type StepJob, stepLeaseKey } from './step-queue.js';

/** What became of one delivered job. */
export type JobOutcome =
  | { kind: 'committed'; result: CommitResult }
  /** A duplicate or stale delivery: the journal shows the attempt done or superseded. */
  | { kind: 'skipped'; reason: string }
  /** Another live process holds the step; the job was put back for when its lease ends. */
  | { kind: 'deferred' }
  /** This process lost the step's lease while running it; its writes were refused. */
  | { kind: 'refused'; error: BatonError }
  /** The job broke off on an error of the journal or the queue; it was put back to run again. */
  | { kind: 'failed'; error: BatonError; retryInMs: number };

export interface StepJobOptions {
  context: DistributedContext;
  /** The run's queue target, to put a job back when another process holds the step. */
  queue: QueueTarget;
  /** Aborts the attempt: a cancel of the run, or the worker shutting down. */
  signal: AbortSignal;
  onEvent?: EventListener | undefined;
}

/**
 * Runs one delivered step attempt with the engine's own step execution, then commits. The step's
 * lease is taken first and everything the attempt continues from is read after it, so a
 * duplicate delivery or a superseded attempt does nothing. Writes during the attempt (its start,
 * sub-calls, a container's inner steps) are fenced by the lease; its end is held back and lands in
 * the commit together with the jobs of the steps it makes ready.
 */
export async function runStepJob(job: StepJob, options: StepJobOptions): Promise<JobOutcome> {
  const { context } = options;
  const { store, services } = context;
  const leaseKey = stepLeaseKey(job.run, job.path);
  const controller = new AbortController();
  const abort = () => controller.abort(options.signal.reason);
  if (options.signal.aborted) abort();
  else options.signal.addEventListener('abort', abort, { once: true });
  let lease: RunLease;
  try {
    lease = await takeLease(
      services,
      leaseKey,
      false,
      (lost) => controller.abort(lost),
      async () => {
        const status = (await store.getRun(job.run))?.status;
        if (status !== 'running' && status !== 'waiting') controller.abort(runEnded(job.run, status));
      },
    );
  } catch (error) {
    options.signal.removeEventListener('abort', abort);
    if (!BatonError.is(error, 'STORE_CONFLICT')) throw error;
    // Held by another process: a duplicate of a running attempt, or a process that died and whose
    // lease has not run out yet. Look again once it has.
    await putBack(store, options.queue, job, services.clock.now() + services.leaseMs);
    return { kind: 'deferred' };
  }
  try {
    const outcome = await runLeased(job, options, lease, leaseKey, controller);
    // The lease ran out under this process (it stalled) whether or not another took the step over:
    // the job goes back, so the step's next holder is whoever takes it, and not no one.
    if (outcome.kind === 'refused') await putBack(store, options.queue, job, services.clock.now());
    return outcome;
  } finally {
    options.signal.removeEventListener('abort', abort);
    await lease.release();
  }
}

/** How long an attempt runs before its start is journaled on its own. */
const startWriteDelayMs = 25;

/** Puts the job back on the queue (a new delivery of the same attempt) to run at `runAt`. */
export function putBack(
  store: PostgresStore,
  queue: QueueTarget,
  job: StepJob,
  runAt: number,
): Promise<void> {
  return store.inTransaction('put a step job back', (client) =>
    addStepJobs(client, queue, job.run, [{ path: job.path, attempt: job.attempt, runAt, mode: 'replace' }]),
  );
}

async function runLeased(
  job: StepJob,
  options: StepJobOptions,
  lease: RunLease,
  leaseKey: string,
  controller: AbortController,
): Promise<JobOutcome> {
  const { context } = options;
  const { store, services } = context;
  const [record, steps, attempts] = await Promise.all([
    store.getRun(job.run),
    store.listSteps(job.run),
    store.listAttempts(job.run, job.path),
  ]);
  if (!record) return { kind: 'skipped', reason: 'no such run' };
  if (record.status !== 'running' && record.status !== 'waiting') {
    return { kind: 'skipped', reason: `run ${record.status}` };
  }
  const journaled = steps.find((step) => step.path === job.path);
  const last = attempts.at(-1);
  const verdict = compareAttempt(job, journaled, last?.status);
  if (verdict !== 'run' && verdict !== 'take-over') return { kind: 'skipped', reason: verdict };
  const fence = lease.fence as number;
  if (verdict === 'take-over' && journaled && last) {
    // The process that ran it stopped: its attempt was interrupted, and this one follows it.
    await store.writeStep(
      journaled,
      { ...last, status: 'interrupted', endedAt: services.clock.now() },
      fence,
      leaseKey,
    );
  }
  const definition = context.definitionOf(record);
  const replay = new Map<string, StepRecord>();
  const inside = (path: string) => path.startsWith(`${job.path}[`) || path.startsWith(`${job.path}/`);
  for (const step of steps) {
    if (step.path === job.path) replay.set(step.path, { ...step, status: 'running' });
    else if (!inside(step.path) || reusable(step)) replay.set(step.path, step);
    else replay.set(step.path, { ...step, status: 'running' });
  }
  const held: StepWrite[] = [];
  // The attempt's start is journaled only if it is still running a moment later: a quick step's
  // commit carries its start and end together, which spares the hand-off to the next step a
  // transaction. A worker that dies before either leaves the journal at the attempt before, and
  // the job's next delivery runs this attempt again, as it would take it over.
  const start: { pending?: StepWrite | undefined; timer?: NodeJS.Timeout; written?: Promise<void> } = {};
  // The attempt's events are journaled by its commit, which gives them the run's next seqs.
  const events: BatonEvent[] = [];
  const keep = keepJournaled(events);
  const listeners = isolateListeners(services, options.onEvent);
  const pass = await runGraphPass({
    record,
    definition,
    services,
    replay,
    signal: controller.signal,
    emit: (event) => {
      listeners(event);
      keep(event);
    },
    lease,
    journal: {
      writeStep: (step, attempt) => {
        if (step.path === job.path && attempt?.status === 'running' && !start.pending && !start.written) {
          start.pending = { step: { ...step }, attempt: { ...attempt } };
          start.timer = setTimeout(() => {
            const write = start.pending as StepWrite;
            start.pending = undefined;
            // Refused if the lease was lost meanwhile, which the commit finds out as well.
            start.written = store.writeStep(write.step, write.attempt, fence, leaseKey).catch(() => {});
          }, startWriteDelayMs);
          return Promise.resolve();
        }
        if (step.path === job.path && attempt?.status !== 'running') {
          clearTimeout(start.timer);
          if (start.pending) held.push(start.pending);
          start.pending = undefined;
          held.push({ step: { ...step }, attempt: attempt && { ...attempt } });
          return Promise.resolve();
        }
        // Other top-level steps only get skip records here; the commit computes those again.
        if (step.path !== job.path && !inside(step.path)) return Promise.resolve();
        return store.writeStep(step, attempt, fence, leaseKey);
      },
      writeSubCall: (call) => store.writeSubCall(call, fence, leaseKey),
    },
    runsHere: (path) => {
      if (path === job.path) return true;
      const status = replay.get(path)?.status;
      return status === 'succeeded' || status === 'failed';
    },
    deferRetries: true,
  });
  // The step's own failure is in its held record; the graph only repeats it.
  const graph = await pass.graph.catch(() => undefined);
  // An attempt that never ended here (its pass was stopped) has no start to journal either; one
  // written already must land before the commit, or it could overwrite the end.
  clearTimeout(start.timer);
  await start.written;
  if (lease.lost) return { kind: 'refused', error: lease.lost };
  const ended = held.at(-1)?.step;
  const dispatch: Dispatch[] = [];
  if (ended) {
    const next = ended.attempt + 1;
    const wakeAt = graph?.waiting?.wakeAt;
    if (ended.status === 'running' || (ended.status === 'waiting' && wakeAt !== undefined)) {
      // A retry after its backoff, or an approval's expiry: a job at that time, not a timer here.
      dispatch.push({
        path: job.path,
        attempt: next,
        runAt: wakeAt ?? services.clock.now(),
        mode: 'replace',
      });
    } else if (ended.status === 'cancelled' && !BatonError.is(controller.signal.reason, 'RUN_CANCELLED')) {
      // Stopped by this worker's shutdown, not by a cancel of the run: handed back to the queue.
      dispatch.push({ path: job.path, attempt: next, mode: 'replace' });
    }
  }
  try {
    const result = await commitStep(context, {
      runId: job.run,
      run: record,
      writes: held,
      lease: { key: leaseKey, fence, owner: services.owner },
      dispatch,
      events,
    });
    return { kind: 'committed', result };
  } catch (error) {
    if (BatonError.is(error, 'LEASE_LOST')) return { kind: 'refused', error };
    throw error;
  }
}

/**
 * Compare-and-set on the attempt: a job runs attempt N only when the journal's latest attempt is
 * N - 1 (and the step has not succeeded), or when attempt N itself was left running by a process
 * that stopped (its lease, now ours, had expired).
 */
function compareAttempt(
  job: StepJob,
  journaled: StepRecord | undefined,
  lastStatus: string | undefined,
): 'run' | 'take-over' | string {
  if (!journaled) return job.attempt === 1 ? 'run' : `attempt ${job.attempt} of a step never started`;
  if (journaled.status === 'succeeded' || journaled.status === 'skipped') return `step ${journaled.status}`;
  if (job.attempt === journaled.attempt + 1) return 'run';
  if (job.attempt === journaled.attempt && journaled.status === 'running' && lastStatus === 'running') {
    return 'take-over';
  }
  return `attempt ${job.attempt} superseded (journal at ${journaled.attempt}, ${journaled.status})`;
}

function runEnded(runId: string, status: string | undefined): BatonError {
  return new BatonError('RUN_CANCELLED', `Run ${runId} is ${status ?? 'gone'}; its step stopped.`, {
    hint: `Resume it with \`baton resume ${runId}\`.`,
  });
}
