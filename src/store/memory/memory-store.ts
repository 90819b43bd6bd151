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
  type StepRecord,
  type Store,
  type SubCallRecord,
} from '../../core/index.js';

/**
 * A store in memory: for tests and for runs that need no durability. Records are copied on the
 * way in and out, so callers never share mutable state with it.
 */
export class MemoryStore implements Store {
  private readonly runs = new Map<string, RunRecord>();
  private readonly steps = new Map<string, Map<string, StepRecord>>();
  private readonly attempts = new Map<string, AttemptRecord[]>();
  private readonly subCalls = new Map<string, SubCallRecord[]>();
  private readonly leases = new Map<string, { owner: string; until: number; epoch: number }>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly sources = new Map<string, string>();
  private readonly events = new Map<string, JournaledEvent[]>();

  async createRun(run: RunRecord): Promise<void> {
    if (this.runs.has(run.id)) {
      throw new BatonError('STORE_CONFLICT', `A run with id "${run.id}" is already in this memory store.`, {
        hint: 'Start the run with another id, or resume the existing run.',
        details: { runId: run.id },
      });
    }
    this.runs.set(run.id, { ...run });
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
      const key = `${attempt.runId}\u0000${attempt.path}`;
      const list = this.attempts.get(key) ?? [];
      const index = list.findIndex((entry) => entry.attempt === attempt.attempt);
      if (index >= 0) list[index] = { ...attempt };
      else list.push({ ...attempt });
      this.attempts.set(key, list);
    }
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const start = (step: StepRecord) => step.startedAt ?? Number.NEGATIVE_INFINITY;
    return [...(this.steps.get(runId)?.values() ?? [])]
      .sort((a, b) => start(a) - start(b) || byText(a.path, b.path))
      .map((step) => ({ ...step }));
  }

  async listAttempts(runId: string, path?: string): Promise<AttemptRecord[]> {
    const lists =
      path !== undefined
        ? [this.attempts.get(`${runId}\u0000${path}`) ?? []]
        : [...this.attempts.entries()]
            .filter(([key]) => key.startsWith(`${runId}\u0000`))
            .map(([, list]) => list);
    return lists
      .flat()
      .sort((a, b) => byText(a.path, b.path) || a.attempt - b.attempt)
      .map((attempt) => ({ ...attempt }));
  }

  async writeSubCall(call: SubCallRecord, fence?: Fence): Promise<void> {
    this.checkFence(call.runId, fence);
    const key = `${call.runId}\u0000${call.path}`;
    const list = (this.subCalls.get(key) ?? []).filter((entry) => entry.sequence !== call.sequence);
    list.push({ ...call });
    list.sort((a, b) => a.sequence - b.sequence);
    this.subCalls.set(key, list);
  }

  async insertSubCall(call: SubCallRecord): Promise<SubCallRecord | undefined> {
    const recorded = (this.subCalls.get(`${call.runId}\u0000${call.path}`) ?? []).find(
      (entry) => entry.sequence === call.sequence,
    );
    if (recorded) return { ...recorded };
    await this.writeSubCall(call);
    return undefined;
  }

  async listSubCalls(runId: string, path: string): Promise<SubCallRecord[]> {
    return (this.subCalls.get(`${runId}\u0000${path}`) ?? []).map((call) => ({ ...call }));
  }

  async appendEvents(runId: string, events: readonly JournaledEvent[], fence?: Fence): Promise<void> {
    this.checkFence(runId, fence);
    let journal = this.events.get(runId);
    if (!journal) {
      journal = [];
      this.events.set(runId, journal);
    }
    const last = journal.at(-1)?.seq ?? 0;
    for (const [index, event] of events.entries()) {
      if (event.seq !== last + index + 1) throw eventOutOfOrder(runId, event.seq, last + index);
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

function byText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
