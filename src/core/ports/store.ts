import { BatonError, type SerializedError } from '../errors.js';
import type { JournaledEvent } from '../events.js';
import type { Workflow } from '../ir/workflow.js';

/** Run statuses. `waiting` means suspended on a person (an approval), with no process needed. */
export type RunStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** Tokens of one call, one step or one run. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface RunRecord {
  id: string;
  workflowName: string;
  /** sha256 of the definition snapshot: a resumed run always runs the definition it started with. */
  workflowHash: string;
  definition: Workflow;
  input: unknown;
  status: RunStatus;
  createdAt: number;
  endedAt?: number;
  output?: unknown;
  error?: SerializedError;
  parentRunId?: string;
  usage: Usage;
  costUsd: number;
}

/** Fields to set; `null` clears `endedAt` or `error` (a resumed run is running again, without its old error). */
export type RunPatch = Partial<Pick<RunRecord, 'status' | 'output' | 'usage' | 'costUsd'>> & {
  endedAt?: number | null;
  error?: SerializedError | null;
};

/** One step instance: a step at a path (`review[3]/check`), with its latest attempt. */
export interface StepRecord {
  runId: string;
  path: string;
  stepId: string;
  kind: string;
  status: StepStatus;
  attempt: number;
  startedAt?: number;
  endedAt?: number;
  input?: unknown;
  output?: unknown;
  error?: SerializedError;
  /** Why it was skipped, which route a branch took, or how a failure was handled: text for people. */
  note?: string;
  /** For a failed step whose `onError` policy took over: continued with a value, or routed to a step. */
  handled?: 'continued' | 'routed';
  model?: string;
  usage?: Usage;
  costUsd?: number;
  outputSize?: number;
  cached?: boolean;
}

export interface AttemptRecord {
  runId: string;
  path: string;
  attempt: number;
  /** `interrupted`: its process stopped before it ended; `endedAt` is when a resume noticed. */
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  startedAt: number;
  endedAt?: number;
  error?: SerializedError;
}

/** A call inside a step (a model call, an agent turn, a tool call), numbered so a resume skips it. */
export interface SubCallRecord {
  runId: string;
  path: string;
  sequence: number;
  kind: string;
  name?: string;
  request?: unknown;
  response?: unknown;
  createdAt: number;
}

/** A cached result: what a model call or a step produced, and what producing it cost. */
export interface CacheEntry {
  key: string;
  value: unknown;
  model?: string;
  usage?: Usage;
  createdAt: number;
}

/** Which journaled events of a run `readEvents` returns: those with `seq > after`, at most `limit`. */
export interface EventRange {
  after?: number;
  limit?: number;
}

export interface RunFilter {
  workflowName?: string;
  status?: RunStatus;
  since?: number;
  /**
   * Keeps the runs that come after this position in list order (older, or as old with a smaller
   * id): the cursor of the next page is the last run of this one. `{ createdAt: t, id: '' }`
   * keeps the runs created before `t`.
   */
  before?: { createdAt: number; id: string };
  /** Keeps runs whose id or workflow name contains this text. */
  search?: string;
  limit?: number;
}

/**
 * The lease epoch a write is made under. A store refuses a fenced write with `LEASE_LOST` unless
 * the run's lease still has this epoch: once another owner has claimed the run, the writes of the
 * process that lost it can no longer land, however late they arrive.
 */
export type Fence = number;

/** Adapters refuse a fenced write with this, so the error reads the same on every store. */
export function leaseLost(runId: string, fence: Fence, current: number | undefined): BatonError {
  return new BatonError(
    'LEASE_LOST',
    `Run ${runId} was taken over by another process (lease epoch ${current ?? 'none'}, this write was made under ${fence}); the write was refused.`,
    {
      hint: 'This process stopped running the run; the process that holds the lease now carries it on.',
      details: { runId, fence, epoch: current },
    },
  );
}

/** Adapters refuse an appended event whose `seq` does not follow the run's last one with this. */
export function eventOutOfOrder(runId: string, seq: number, last?: number): BatonError {
  const after = last === undefined ? '' : ` (${last})`;
  return new BatonError(
    'STORE_CONFLICT',
    `Event ${seq} of run ${runId} does not follow the journal's last event${after}; nothing was appended.`,
    {
      hint: 'Events are numbered 1, 2, 3... per run, and only the process holding the run appends them.',
      details: { runId, seq, ...(last === undefined ? {} : { last }) },
    },
  );
}

/**
 * The journal. The runner writes a step's record before any dependent starts, so a run can be
 * resumed from the store alone. Adapters implement these few methods; `baton/testing` has the
 * conformance suite every adapter runs. Writes of one run must take effect in the order they were
 * called: the runner queues an attempt's end behind its start without waiting in between.
 */
export interface Store {
  /** Records a new run; rejects with `STORE_CONFLICT` when its id is taken. */
  createRun(run: RunRecord): Promise<void>;
  /** Sets the fields of the patch; rejects with `RUN_NOT_FOUND` for an unknown run. */
  updateRun(runId: string, patch: RunPatch, fence?: Fence): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Runs newest first (ties by id, descending); `since` keeps runs created at or after it. */
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  /** Upserts a step instance and, when given, its attempt, in one write. */
  writeStep(step: StepRecord, attempt?: AttemptRecord, fence?: Fence): Promise<void>;
  /** The step instances of a run by `startedAt` (instances without one first), then by path. */
  listSteps(runId: string): Promise<StepRecord[]>;
  /** The attempts of a run, or of one path, by path and then attempt number. */
  listAttempts(runId: string, path?: string): Promise<AttemptRecord[]>;
  /** Upserts a sub-call by run, path and sequence. */
  writeSubCall(call: SubCallRecord, fence?: Fence): Promise<void>;
  /**
   * Records a sub-call only if none is recorded at its run, path and sequence, in one atomic step:
   * of many concurrent inserts exactly one lands. Returns the record that was already there (this
   * insert changed nothing), or undefined when this one was recorded. A decision on an approval or a gated
   * tool call is inserted this way, so two people deciding at once cannot both win.
   */
  insertSubCall(call: SubCallRecord): Promise<SubCallRecord | undefined>;
  /** The sub-calls of a step instance by sequence. */
  listSubCalls(runId: string, path: string): Promise<SubCallRecord[]>;
  /**
   * Adds events to the run's event journal, in order, as one write (all or none). The runner
   * numbers them: `seq` goes on from the last one, with no gap. Fenced like the other writes.
   */
  appendEvents(runId: string, events: readonly JournaledEvent[], fence?: Fence): Promise<void>;
  /** The run's journaled events with `seq` above `after` (default 0), by `seq`, at most `limit`. */
  readEvents(runId: string, range?: EventRange): Promise<JournaledEvent[]>;
  /** The `seq` of the run's last journaled event; 0 when it has none. */
  lastEventSeq(runId: string): Promise<number>;
  /**
   * Calls `onWake` soon after events of the run are appended, by any process; returns the
   * function that stops it. Optional: without it a reader in another process polls the journal.
   * A wake may be spurious and a reader reads the journal after it, so a missed one only delays.
   */
  followEvents?(runId: string, onWake: () => void): () => void;
  /**
   * Takes the run for `owner` until `until` (epoch ms) unless another owner holds a lease that
   * has not expired at `now`. Returns the lease's epoch, the {@link Fence} of the holder's writes,
   * or undefined when the run is held elsewhere. The epoch grows by one whenever the lease changes
   * hands (another owner, or a claim after a release) and stays the same when its holder renews.
   * Optional: a store used by one process at a time may leave it out.
   */
  claimRun?(runId: string, owner: string, until: number, now: number): Promise<number | undefined>;
  /** Ends the lease of `owner` (its epoch is kept); a release by another owner changes nothing. */
  releaseRun?(runId: string, owner: string): Promise<void>;
  /**
   * The content-addressed cache of model calls and cacheable steps: the entry stored under `key`
   * (a sha256 of everything that determines the result), or undefined. Optional: without it
   * nothing is cached.
   */
  readCache?(key: string): Promise<CacheEntry | undefined>;
  /** Stores an entry; writing a key again replaces it. */
  writeCache?(entry: CacheEntry): Promise<void>;
  /**
   * Notes where definitions with this hash were loaded from (a workflow file's absolute path), so
   * a resume can find their module again; recording a hash again replaces its source. Optional,
   * like the two below.
   */
  rememberDefinitionSource?(workflowHash: string, source: string, now: number): Promise<void>;
  /** The source last recorded for a definition hash, or undefined. */
  definitionSource?(workflowHash: string): Promise<string | undefined>;
  /** Frees what the store holds (a database connection). */
  close?(): Promise<void>;
}
