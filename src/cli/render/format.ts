import type { Usage } from '../../core/index.js';

/** `850ms`, `1.2s`, `3m 05s`, `2h 10m`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** `1,234→56 tok`; `-` when nothing was used. */
export function formatUsage(usage: Usage | undefined): string {
  if (!usage || usage.inputTokens + usage.outputTokens === 0) return '-';
  return `${usage.inputTokens.toLocaleString('en-US')}→${usage.outputTokens.toLocaleString('en-US')} tok`;
}

/** Dollars with two significant digits below a cent: `$1.25`, `$0.0123`, `$0.000024`. */
export function formatCost(usd: number | undefined): string {
  if (usd === undefined) return '-';
  if (usd === 0) return '$0';
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(4)}`;
  if (usd < 0.000001) return '<$0.000001';
  return `$${usd.toFixed(Math.min(6, 1 - Math.floor(Math.log10(usd))))}`;
}

/**
 * A cost that leaves out calls to models without a price: `?` when nothing was priced, `$0.01 + ?`
 * when some calls were. Never `$0` for calls that cost something unknown.
 */
export function formatCostOf(usd: number | undefined, unpriced: boolean | undefined): string {
  if (!unpriced) return formatCost(usd);
  return usd ? `${formatCost(usd)} + ? (unpriced)` : '? (unpriced)';
}

/** `512 B`, `3.4 KB`, `1.2 MB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A local date and time, `2024-05-01 14:03:22`. */
export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined) return '-';
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A value for a person: strings as they are, anything else as indented JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** A value on one line, cut to `width` characters: what `--show-outputs` prints per step. */
export function formatValueLine(value: unknown, width = 200): string {
  const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))
    .replace(/\s+/g, ' ')
    .trim();
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ansiPattern = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Length of text as the terminal shows it, without ANSI escapes. */
export function visibleLength(text: string): number {
  return text.replace(ansiPattern, '').length;
}

/** Cuts text to a visible width, keeping ANSI escapes intact, so a line never wraps. */
export function truncateVisible(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  let visible = 0;
  let result = '';
  for (let index = 0; index < text.length; ) {
    ansiPattern.lastIndex = index;
    const sequence = ansiPattern.exec(text);
    if (sequence && sequence.index === index) {
      result += sequence[0];
      index += sequence[0].length;
      continue;
    }
    if (visible >= width - 1) break;
    result += text[index];
    visible++;
    index++;
  }
  return `${result}…\u001b[0m`;
}

/** Pads text to a visible width. */
export function padVisible(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}
