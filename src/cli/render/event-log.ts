import type { BatonEvent } from '../../core/index.js';
import type { CliOutput } from '../output.js';
import { formatCost, formatCostOf, formatDuration, formatUsage, formatValueLine } from './format.js';
import type { RunRenderer } from './run-renderer.js';

/**
 * The plain view of a run, for pipes, files and CI logs: one line per event, in order, with the
 * time since the run started. Nothing is redrawn.
 */
export class EventLog implements RunRenderer {
  private startedAt: number | undefined;

  /** `showOutputs`: print each step's output, on one line and cut short, when it ends. */
  constructor(
    private readonly output: CliOutput,
    private readonly showOutputs = false,
  ) {}

  onEvent(event: BatonEvent): void {
    this.startedAt ??= event.time;
    // Steps taken from the journal carry the time they ended in an earlier process.
    const offset = `+${(Math.max(0, event.time - this.startedAt) / 1000).toFixed(3)}s`;
    const text = describeEvent(event);
    if (text !== undefined) this.output.line(`${offset} ${event.type} ${text}`);
    if (this.showOutputs && event.type === 'step-end' && event.output !== undefined)
      this.output.line(`         output ${event.path}: ${formatValueLine(event.output)}`);
  }

  stop(): void {}
}

/** A tool call's arguments as one short line of JSON. */
function abbreviate(value: unknown, width = 80): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** The rest of an event's log line, after its type; undefined for events the log leaves out. */
export function describeEvent(event: BatonEvent): string | undefined {
  switch (event.type) {
    case 'run-start':
      return `${event.runId} workflow=${event.workflow}${event.resumed ? ' resumed' : ''}`;
    case 'run-end':
      return `${event.runId} ${event.status} ${formatDuration(event.durationMs)} tokens=${formatUsage(event.usage)} cost=${formatCostOf(event.costUsd, event.unpriced)}${event.error ? ` error=${event.error.code}` : ''}`;
    case 'step-start':
      return `${event.path} kind=${event.kind} attempt=${event.attempt}`;
    case 'step-end': {
      const parts = [event.path, event.status, formatDuration(event.durationMs)];
      if (event.usage) parts.push(`tokens=${formatUsage(event.usage)}`);
      if (event.costUsd !== undefined) parts.push(`cost=${formatCost(event.costUsd)}`);
      else if (event.unpriced) parts.push('cost=? (unpriced)');
      if (event.model !== undefined) parts.push(`model=${event.model}`);
      if (event.replayed) parts.push('from-journal');
      if (event.cached) parts.push('cached');
      if (event.note !== undefined) parts.push(`(${event.note})`);
      return parts.join(' ');
    }
    case 'step-error':
      return `${event.path} attempt=${event.attempt} ${event.error.code}: ${event.error.message}${event.final ? '' : ' (will retry)'}`;
    case 'attempt-retry':
      return `${event.path} attempt=${event.attempt} in ${formatDuration(event.delayMs)}`;
    case 'step-skip':
      return `${event.path} (${event.reason})`;
    case 'model-call':
      return `${event.path} model=${event.model} ${formatDuration(event.durationMs)} tokens=${formatUsage(event.usage)} cost=${formatCostOf(event.costUsd, event.unpriced)}${event.cached ? ' cached' : ''}${event.finishReason === 'length' ? ' finish=length' : ''}`;
    case 'model-retry':
      return `${event.path} model=${event.model} retry=${event.retry}${event.statusCode === undefined ? '' : ` status=${event.statusCode}`} in ${formatDuration(event.delayMs)}${event.retryAfterMs === undefined ? '' : ` retry-after=${formatDuration(event.retryAfterMs)}`}`;
    case 'model-fallback':
      return `${event.path} from=${event.from} to=${event.to} (${event.error.code})`;
    case 'tool-call':
      return `${event.path} tool=${event.tool} call=${event.sequence} args=${abbreviate(event.input)}`;
    case 'tool-result':
      return `${event.path} tool=${event.tool} call=${event.sequence} ${event.error ? `failed ${event.error.code}` : 'ok'}`;
    case 'approval-request':
      return `${event.path}${event.call === undefined ? '' : ` call=${event.call}`} waiting for a person${event.instructions ? `: ${event.instructions}` : ''}`;
    case 'approval-response':
      return `${event.path}${event.call === undefined ? '' : ` call=${event.call}`} ${event.action === 'approve' ? 'approved' : 'rejected'} by ${event.by}${event.edited ? ' with edits' : ''}`;
    case 'output-truncated':
      return `${event.path} model=${event.model} answer cut off at the output limit, kept (onTruncate: accept)`;
    default:
      return undefined;
  }
}
