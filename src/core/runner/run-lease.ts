import { BatonError } from '../errors.js';
import type { Fence } from '../ports/store.js';
import type { EngineServices } from './run-state.js';

/** This process's hold on a run while it executes it. */
export interface RunLease {
  /** The epoch every journal write of the run is fenced with; undefined when the store has no leases. */
  readonly fence: Fence | undefined;
  /** Set once the lease is known lost: nothing more of the run may start here. */
  readonly lost: BatonError | undefined;
  /**
   * Undefined while the lease surely holds (the usual case costs no await). When its deadline has
   * passed unrenewed (the process was stalled), a promise that renews it first and rejects with
   * `LEASE_LOST` if another process took the run meanwhile.
   */
  confirm(): Promise<void> | undefined;
  /** Stops renewing and lets the run go. */
  release(): Promise<void>;
}

/**
 * Claims a run and keeps renewing the claim every third of the lease. A renewal that finds the
 * run taken by another process (or the epoch moved on) calls `onLost` at once, so the run stops
 * starting steps and aborts the ones running; the store refuses any write this process still
 * makes under the old epoch. Each renewal also calls `onRenew`, where the runner looks for a
 * cancel recorded by another process.
 */
export async function takeLease(
  services: EngineServices,
  runId: string,
  takeover: boolean,
  onLost: (error: BatonError) => void,
  onRenew: () => Promise<void>,
): Promise<RunLease> {
  const { store, owner, leaseMs, clock } = services;
  if (!store.claimRun) {
    return { fence: undefined, lost: undefined, confirm: () => undefined, release: async () => {} };
  }
  const claim = (now: number) => store.claimRun?.(runId, owner, clock.now() + leaseMs, now);
  // The lease is counted from before the claim was sent, so this process never believes it holds
  // the run longer than the store does.
  let sent = clock.now();
  // A takeover claims as if every lease had expired.
  const epoch = await claim(takeover ? Number.MAX_SAFE_INTEGER : sent);
  if (epoch === undefined) {
    throw new BatonError('STORE_CONFLICT', `Run ${runId} is being run by another process.`, {
      hint: `Wait for it to finish; if that process has stopped, its lease ends within ${Math.ceil(leaseMs / 1000)} s, or resume with --takeover.`,
    });
  }
  let heldUntil = sent + leaseMs;
  let lost: BatonError | undefined;
  const stop = new AbortController();
  const loseLease = (current: number | undefined) => {
    if (lost) return;
    lost = new BatonError(
      'LEASE_LOST',
      `Run ${runId} was taken over by another process; this process stopped running it.`,
      {
        hint: 'The process that holds the lease now carries the run on; nothing more is written from here.',
        details: { runId, owner, fence: epoch, epoch: current },
      },
    );
    stop.abort();
    onLost(lost);
  };
  const renew = async (): Promise<void> => {
    if (lost) throw lost;
    sent = clock.now();
    const current = await claim(sent);
    if (current !== epoch) {
      loseLease(current);
      throw lost;
    }
    heldUntil = sent + leaseMs;
    await onRenew();
  };
  let renewing: Promise<void> | undefined;
  const renewOnce = () => {
    renewing ??= renew().finally(() => {
      renewing = undefined;
    });
    return renewing;
  };
  // The heartbeat is a real timer, unlike the lease times (the clock's `now`): a test clock whose
  // `sleep` jumps time forward would turn a background loop into one that spins time away.
  const heartbeat = setInterval(
    () => {
      // A renewal the store could not answer (busy) is tried again at the next beat; the lease is
      // only lost when another owner holds it.
      void renewOnce().catch(() => {});
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  heartbeat.unref();
  stop.signal.addEventListener('abort', () => clearInterval(heartbeat), { once: true });
  return {
    fence: epoch,
    get lost() {
      return lost;
    },
    confirm() {
      if (lost) return Promise.reject(lost);
      if (clock.now() < heldUntil) return undefined;
      return renewOnce();
    },
    async release() {
      stop.abort();
      if (!lost) await store.releaseRun?.(runId, owner);
    },
  };
}
