import { BatonError, type Engine, listWaiting, type Store } from '../core/index.js';
import type { RunControl } from './run-control.js';

export interface SweeperOptions {
  engine: Engine;
  store: Store;
  control: RunControl;
  /** How often to look. Default 5 s. */
  intervalMs?: number;
  /** A run this young is left to the process that is starting it. Default 10 s. */
  graceMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
  /** Also run on each pass (the webhooks look at the journal for runs of other processes). */
  onPass?: () => Promise<void>;
  /** Runs to leave alone: those executed by workers, who own their time (retries and expiries are jobs). */
  leaveAlone?: (runId: string) => Promise<boolean>;
}

/**
 * The server owns time for the runs it serves: it resumes a waiting run once an approval or gated
 * tool call it waits on is past its deadline (the step then decides by its `onExpiry`), and a
 * running run no process holds any more (its lease expired: the process died, perhaps in a retry
 * wait), so no run waits for someone to type `resume`. Runs executed by workers are theirs
 * (`leaveAlone`): their retries and expiries are queued jobs, and they hold no run lease.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<string[]> | undefined;
  private readonly reported = new Set<string>();

  constructor(private readonly options: SweeperOptions) {}

  start(): void {
    const tick = () => {
      void this.sweep().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs ?? 5000).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** One pass; returns the runs it resumed. */
  sweep(): Promise<string[]> {
    this.sweeping ??= this.pass().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async pass(): Promise<string[]> {
    const { store, engine, control } = this.options;
    const now = this.options.now?.() ?? engine.services.clock.now();
    const resumed: string[] = [];
    const resume = async (runId: string) => {
      try {
        await control.resume(runId);
        resumed.push(runId);
      } catch (error) {
        // Another process holds the run (or started it meanwhile): it is not ours to continue.
        if (BatonError.is(error, 'STORE_CONFLICT') || BatonError.is(error, 'LEASE_LOST')) return;
        // A run that cannot continue here (its functions are missing) fails the same way each
        // pass: say so once.
        const said = `${runId}:${BatonError.is(error) ? error.code : String(error)}`;
        if (this.reported.has(said)) return;
        this.reported.add(said);
        (this.options.onError ?? console.error)(error);
      }
    };
    const leaveAlone = this.options.leaveAlone ?? (async () => false);
    for (const run of await store.listRuns({ status: 'waiting', limit: 1000 })) {
      if (engine.services.active.has(run.id)) continue;
      if ((await this.earliestDeadline(run.id)) <= now && !(await leaveAlone(run.id))) await resume(run.id);
    }
    for (const run of await store.listRuns({ status: 'running', limit: 1000 })) {
      if (engine.services.active.has(run.id) || run.createdAt > now - (this.options.graceMs ?? 10_000))
        continue;
      if (await leaveAlone(run.id)) continue;
      // A run whose process died in a retry wait is resumed once the wait is over, not before.
      if ((await this.retryDueAt(run.id)) > now) continue;
      await resume(run.id);
    }
    await this.options.onPass?.().catch(this.options.onError ?? console.error);
    return resumed;
  }

  /** When the run's pending retry is due: its last `attempt-retry` not followed by the attempt it announced. */
  private async retryDueAt(runId: string): Promise<number> {
    const { store } = this.options;
    const last = await store.lastEventSeq(runId);
    const events = await store.readEvents(runId, { after: Math.max(0, last - 200) });
    let due = 0;
    for (const event of events) {
      if (event.type === 'attempt-retry') due = event.time + event.delayMs;
      else if (event.type === 'step-start' || event.type === 'run-start') due = 0;
    }
    return due;
  }

  private async earliestDeadline(runId: string): Promise<number> {
    const { store } = this.options;
    let earliest = Number.POSITIVE_INFINITY;
    for (const item of await listWaiting(store, runId)) {
      let expiresAt = item.expiresAt;
      if (item.kind === 'approval') {
        const request = (await store.listSubCalls(runId, item.path)).find(
          (call) => call.kind === 'approval-request',
        );
        expiresAt = (request?.request as { expiresAt?: number } | undefined)?.expiresAt;
      }
      if (expiresAt !== undefined) earliest = Math.min(earliest, expiresAt);
    }
    return earliest;
  }
}
