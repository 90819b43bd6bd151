import type { Usage } from './api-types.ts';

/** Display formats shared by the views. */

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined) return '—';
  return new Date(epochMs).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatCost(usd: number | undefined): string {
  if (usd === undefined) return '—';
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(3)}`;
}

export function totalTokens(usage: Usage | undefined): number {
  return usage ? usage.inputTokens + usage.outputTokens : 0;
}

export function formatTokens(usage: Usage | undefined): string {
  if (!usage) return '—';
  return `${totalTokens(usage).toLocaleString()} (${usage.inputTokens.toLocaleString()} in, ${usage.outputTokens.toLocaleString()} out)`;
}

export function formatSigned(value: number, format: (value: number) => string): string {
  if (value === 0) return '±0';
  return value > 0 ? `+${format(value)}` : `−${format(-value)}`;
}

/** Pretty JSON for panels; text stays text. */
export function formatJson(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** "3 min ago" / "in 2 h" relative to now. */
export function formatRelative(epochMs: number, now: number): string {
  const delta = epochMs - now;
  const text = formatDuration(Math.abs(delta));
  return delta <= 0 ? `${text} ago` : `in ${text}`;
}
