import {
  type AttemptRecord,
  BatonError,
  type CacheEntry,
  type EventRange,
  eventOutOfOrder,
  type Fence,
  type JournaledEvent,
  leaseLost,
  type RunFilter,
  type RunPatch,
  type RunRecord,
  type RunStatus,
  type StepRecord,
  type Store,
  type SubCallRecord,
} from '../../core/index.js';

export interface MemoryStoreOptions {
  /**
   * How many ended runs (succeeded, failed or cancelled) to keep. Beyond it the run that ended
   * longest ago is dropped with its steps, attempts and sub-calls; running and waiting runs are
   * always kept. Default: no limit. Set it in a long-lived process, which would otherwise hold
   * every run it ever made.
   */
  maxEndedRuns?: number;
}

/**
 * A store in memory: for tests and for runs that need no durability. Records are copied on the
 * way in and out, so callers never share mutable state with it.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxEndedRuns: 1000 });
 * const baton = createBaton({ store });
 * ```
 */
export class MemoryStore implements Store {
  private readonly runs = new Map<string, RunRecord>();
  private readonly steps = new Map<string, Map<string, StepRecord>>();
  /** By run, then by step path. */
  private readonly attempts = new Map<string, Map<string, AttemptRecord[]>>();
  private readonly subCalls = new Map<string, Map<string, SubCallRecord[]>>();
  private readonly leases = new Map<string, { owner: string; until: number; epoch: number }>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly sources = new Map<string, string>();
  private readonly events = new Map<string, JournaledEvent[]>();
  /** Ended runs, the one that ended longest ago first (a Set keeps insertion order). */
  private readonly ended = new Set<string>();
  private readonly maxEndedRuns: number;

  constructor(options: MemoryStoreOptions = {}) {
    const limit = options.maxEndedRuns ?? Number.POSITIVE_INFINITY;
    if (!(limit >= 0)) {
      throw new BatonError(
        'INPUT_INVALID',
        `MemoryStore option maxEndedRuns must be 0 or more, not ${limit}.`,
        {
          hint: 'Give a count of runs, or leave it out to keep every run.',
          details: { maxEndedRuns: limit },
        },
      );
    }
    this.maxEndedRuns = limit;
  }

  async createRun(run: RunRecord): Promise<void> {
    if (this.runs.has(run.id)) {
      throw new BatonError('STORE_CONFLICT', `A run with id "${run.id}" is already in this memory store.`, {
        hint: 'Start the run with another id, or resume the existing run.',
        details: { runId: run.id },
      });
    }
    this.runs.set(run.id, { ...run });
    this.noteStatus(run.id, run.status);
  }

  async updateRun(runId: string, patch: RunPatch, fence?: Fence): Promise<void> {
    this.checkFence(runId, fence);
    const run = this.runs.get(runId);
    if (!run) {
      throw new BatonError('RUN_NOT_FOUND', `No run with id "${runId}" in this memory store.`, {
        hint: 'Create the run before updating it.',
        details: { runId },
      });
    }
    const updated: Record<string, unknown> = { ...run };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null && (key === 'endedAt' || key === 'error')) delete updated[key];
      else if (value !== undefined) updated[key] = value;
    }
    this.runs.set(runId, updated as unknown as RunRecord);
    this.noteStatus(runId, updated.status as RunStatus);
  }

  /** Keeps the order in which runs ended, and drops the oldest ended runs beyond the limit. */
  private noteStatus(runId: string, status: RunStatus): void {
    // A resumed run is no longer ended; a run that ends (again) is now the newest ended run.
    this.ended.delete(runId);
    if (endedStatuses.has(status)) this.ended.add(runId);
    for (const oldest of this.ended) {
      if (this.ended.size <= this.maxEndedRuns) break;
      // The run that just ended still journals its last events: it goes at the next change.
      if (oldest === runId) break;
      this.evict(oldest);
    }
  }

  /** Forgets a run and everything recorded under it. */
  private evict(runId: string): void {
    this.ended.delete(runId);
    this.runs.delete(runId);
    this.steps.delete(runId);
    this.attempts.delete(runId);
    this.subCalls.delete(runId);
    this.leases.delete(runId);
    this.events.delete(runId);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = this.runs.get(runId);
    return run && { ...run };
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const runs = [...this.runs.values()]
      .filter((run) => filter.workflowName === undefined || run.workflowName === filter.workflowName)
      .filter((run) => filter.status === undefined || run.status === filter.status)
      .filter((run) => filter.since === undefined || run.createdAt >= filter.since)
      .filter((run) => filter.before === undefined || isBefore(run, filter.before))
      .filter(
        (run) =>
          filter.search === undefined ||
          run.id.includes(filter.search) ||
          run.workflowName.includes(filter.search),
      )
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    return runs.slice(0, filter.limit ?? runs.length).map((run) => ({ ...run }));
  }

  async writeStep(step: StepRecord, attempt?: AttemptRecord, fence?: Fence): Promise<void> {
    this.checkFence(step.runId, fence);
    let steps = this.steps.get(step.runId);
    if (!steps) {
      steps = new Map();
      this.steps.set(step.runId, steps);
    }
    steps.set(step.path, { ...step });
    if (attempt) {
      const list = listOf(this.attempts, attempt.runId, attempt.path);
      // Searched from the end, where the attempt being written usually is.
      let index = list.length - 1;
      while (index >= 0 && list[index]?.attempt !== attempt.attempt) index--;
      if (index >= 0) list[index] = { ...attempt };
      else list.push({ ...attempt });
    }
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const start = (step: StepRecord) => step.startedAt ?? Number.NEGATIVE_INFINITY;
    return [...(this.steps.get(runId)?.values() ?? [])]
      .sort((a, b) => start(a) - start(b) || byText(a.path, b.path))
      .map((step) => ({ ...step }));
  }

  async listAttempts(runId: string, path?: string): Promise<AttemptRecord[]> {
    const byPath = this.attempts.get(runId);
    const lists = path !== undefined ? [byPath?.get(path) ?? []] : [...(byPath?.values() ?? [])];
    return lists
      .flat()
      .sort((a, b) => byText(a.path, b.path) || a.attempt - b.attempt)
      .map((attempt) => ({ ...attempt }));
  }

  async writeSubCall(call: SubCallRecord, fence?: Fence): Promise<void> {
    this.checkFence(call.runId, fence);
    const list = listOf(this.subCalls, call.runId, call.path);
    const index = list.findIndex((entry) => entry.sequence === call.sequence);
    if (index >= 0) list.splice(index, 1);
    list.push({ ...call });
    list.sort((a, b) => a.sequence - b.sequence);
  }

  async insertSubCall(call: SubCallRecord): Promise<SubCallRecord | undefined> {
    const recorded = (this.subCalls.get(call.runId)?.get(call.path) ?? []).find(
      (entry) => entry.sequence === call.sequence,
    );
    if (recorded) return { ...recorded };
    await this.writeSubCall(call);
    return undefined;
  }

  async listSubCalls(runId: string, path: string): Promise<SubCallRecord[]> {
    return (this.subCalls.get(runId)?.get(path) ?? []).map((call) => ({ ...call }));
  }

  async appendEvents(runId: string, events: readonly JournaledEvent[], fence?: Fence): Promise<void> {
    this.checkFence(runId, fence);
    // The last events of a run dropped as ended (maxEndedRuns) must not bring back a journal of it.
    if (!this.runs.has(runId)) return;
    let journal = this.events.get(runId);
    if (!journal) {
      journal = [];
      this.events.set(runId, journal);
    }
    const last = journal.at(-1)?.seq ?? 0;
    for (let index = 0; index < events.length; index++) {
      const seq = events[index]?.seq;
      if (seq !== last + index + 1) throw eventOutOfOrder(runId, seq ?? 0, last + index);
    }
    for (const event of events) journal.push({ ...event });
  }

  async readEvents(runId: string, range: EventRange = {}): Promise<JournaledEvent[]> {
    const journal = this.events.get(runId) ?? [];
    // Seqs are 1, 2, 3...: the event after `after` is at index `after`.
    const start = Math.max(0, range.after ?? 0);
    const end = range.limit === undefined ? journal.length : start + range.limit;
    return journal.slice(start, end).map((event) => ({ ...event }));
  }

  async lastEventSeq(runId: string): Promise<number> {
    return this.events.get(runId)?.at(-1)?.seq ?? 0;
  }

  async claimRun(runId: string, owner: string, until: number, now: number): Promise<number | undefined> {
    const lease = this.leases.get(runId);
    if (lease && lease.owner !== owner && lease.until > now) return undefined;
    // Released leases keep until 0, so the epoch survives them and the next claim moves it on.
    const kept = lease !== undefined && lease.owner === owner && lease.until > 0;
    const epoch = kept ? lease.epoch : (lease?.epoch ?? 0) + 1;
    this.leases.set(runId, { owner, until, epoch });
    return epoch;
  }

  async releaseRun(runId: string, owner: string): Promise<void> {
    const lease = this.leases.get(runId);
    if (lease?.owner === owner) lease.until = 0;
  }

  async rememberDefinitionSource(workflowHash: string, source: string): Promise<void> {
    this.sources.set(workflowHash, source);
  }

  async definitionSource(workflowHash: string): Promise<string | undefined> {
    return this.sources.get(workflowHash);
  }

  private checkFence(runId: string, fence: Fence | undefined): void {
    if (fence === undefined) return;
    const epoch = this.leases.get(runId)?.epoch;
    if (epoch !== fence) throw leaseLost(runId, fence, epoch);
  }

  async readCache(key: string): Promise<CacheEntry | undefined> {
    const entry = this.cache.get(key);
    return entry && structuredClone(entry);
  }

  // A deep copy, unlike the records above: one cached value is handed to every later run that
  // hits its key, so a run changing its copy must not change what the next run reads.
  async writeCache(entry: CacheEntry): Promise<void> {
    this.cache.set(entry.key, structuredClone(entry));
  }
}

const endedStatuses: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** The list kept for `path` of run `runId`, created empty when there is none. */
function listOf<T>(lists: Map<string, Map<string, T[]>>, runId: string, path: string): T[] {
  let byPath = lists.get(runId);
  if (!byPath) {
    byPath = new Map();
    lists.set(runId, byPath);
  }
  let list = byPath.get(path);
  if (!list) {
    list = [];
    byPath.set(path, list);
  }
  return list;
}

function byText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Whether a run comes after a position in list order (newest first, ties by id descending). */
function isBefore(run: RunRecord, position: { createdAt: number; id: string }): boolean {
  return run.createdAt < position.createdAt || (run.createdAt === position.createdAt && run.id < position.id);
}
