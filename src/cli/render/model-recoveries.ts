import type { ModelRecovery } from '../../core/index.js';
import { formatDuration } from './format.js';

/** A step's model retries and fallbacks in one cell: `2 model retries (429), fallback a → b`. */
export function summarizeRecoveries(recoveries: readonly ModelRecovery[]): string {
  const retries = recoveries.filter((entry) => entry.type === 'retry');
  const statuses = [...new Set(retries.map((entry) => entry.statusCode ?? entry.code))];
  const parts = retries.length
    ? [`${retries.length} model ${retries.length === 1 ? 'retry' : 'retries'} (${statuses.join(', ')})`]
    : [];
  for (const entry of recoveries) {
    if (entry.type === 'fallback') parts.push(`fallback ${entry.from} → ${entry.to}`);
  }
  return parts.join(', ');
}

/** One line per retry or fallback, for `baton show --step`. */
export function describeRecoveries(recoveries: readonly ModelRecovery[]): string[] {
  return recoveries.map((entry) => {
    if (entry.type === 'fallback') {
      return `attempt ${entry.attempt}: fallback ${entry.from} → ${entry.to} after ${entry.code}: ${entry.message}`;
    }
    const failure = entry.statusCode === undefined ? entry.code : `HTTP ${entry.statusCode}`;
    const asked =
      entry.retryAfterMs === undefined ? '' : ` (Retry-After ${formatDuration(entry.retryAfterMs)})`;
    return `attempt ${entry.attempt}: retry ${entry.retry} of ${entry.model} after ${failure}, waited ${formatDuration(entry.delayMs)}${asked}`;
  });
}
