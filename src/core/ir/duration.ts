import type { Duration } from './step.js';

const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration (`1500`, `'30s'`, `'5m'`). */
export function toMilliseconds(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(duration);
  if (!match) throw new Error(`Invalid duration "${duration}"`);
  return Number(match[1]) * units[match[2] as keyof typeof units];
}
