import { type BatonEvent, isLiveEvent, type Step } from '../../core/index.js';
import type { CliOutput } from '../output.js';
import {
  escapeControl,
  formatCost,
  formatCostOf,
  formatDuration,
  formatUsage,
  padVisible,
  truncateVisible,
} from './format.js';
import type { RunRenderer } from './run-renderer.js';
import { type RowStatus, StepBoard, type StepRow } from './step-board.js';
import type { Style } from './style.js';

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const icons: Record<Exclude<RowStatus, 'running'>, string> = {
  pending: '·',
  retrying: '↻',
  waiting: '⏸',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  cancelled: '■',
};

/**
 * The live view of a run on a terminal: one line per step instance with its status, elapsed
 * time, tokens and cost, redrawn in place (cursor up, clear line) on every event and every
 * 100 ms while something runs. Steps running in parallel show as running together; under a
 * running model step, the last line of the text it streams (cut to the terminal's width).
 */
export class LiveView implements RunRenderer {
  private readonly board: StepBoard;
  private readonly timer: NodeJS.Timeout;
  private drawnLines = 0;
  private frame = 0;
  private stopped = false;

  constructor(
    private readonly output: CliOutput,
    private readonly style: Style,
    private readonly workflowName: string,
    steps: readonly Step[],
    private readonly now: () => number = Date.now,
  ) {
    this.board = new StepBoard(steps);
    this.output.write('\u001b[?25l');
    this.timer = setInterval(() => {
      this.frame++;
      this.draw();
    }, 100);
    this.timer.unref();
    this.draw();
  }

  onEvent(event: BatonEvent): void {
    this.board.apply(event);
    // Streamed text shows at the next frame: deltas come often, and a frame every 100 ms is enough.
    if (!this.stopped && !isLiveEvent(event)) this.draw();
  }

  /** Draws the last frame and gives the cursor back; later output goes below the view. */
  stop(): void {
    if (this.stopped) return;
    clearInterval(this.timer);
    this.draw();
    this.stopped = true;
    this.output.write('\u001b[?25h');
  }

  private draw(): void {
    const width = Math.max(40, this.output.columns - 1);
    const lines = this.lines().map((line) => truncateVisible(escapeControl(line), width));
    const up = this.drawnLines > 0 ? `\u001b[${this.drawnLines}A` : '';
    this.output.write(`${up}\r${lines.map((line) => `\u001b[2K${line}\n`).join('')}\u001b[J`);
    this.drawnLines = lines.length;
  }

  private lines(): string[] {
    const { board, style } = this;
    const now = this.now();
    const elapsed = board.startedAt === undefined ? 0 : (board.endedAt ?? now) - board.startedAt;
    const header = `${style.bold(this.workflowName)} ${style.dim(board.runId ?? 'starting')}  ${formatDuration(elapsed)}`;
    const rows = this.visibleRows();
    const labelWidth = Math.min(32, Math.max(8, ...rows.map((row) => row.depth * 2 + row.label.length)));
    const body = rows.flatMap((row) => {
      const line = this.rowLine(row, labelWidth, now);
      const streaming = row.status === 'running' ? lastLine(row.stream) : '';
      if (!streaming) return [line];
      // The newest words are at the end: a line too long for the terminal loses its start.
      const indent = `${'  '.repeat(row.depth)}   │ `;
      const room = Math.max(10, this.output.columns - 1 - indent.length);
      const shown = streaming.length > room ? `…${streaming.slice(-(room - 1))}` : streaming;
      return [line, style.dim(`${indent}${shown}`)];
    });
    const hidden = board.rows.length - rows.length;
    if (hidden > 0) body.push(style.dim(`  … ${hidden} finished instance(s) not shown`));
    const totals = `${formatUsage(board.usage)}  ${formatCostOf(board.costUsd, board.unpriced)}`;
    return [header, ...body, style.dim(`total  ${totals}`)];
  }

  private rowLine(row: StepRow, labelWidth: number, now: number): string {
    const { style } = this;
    const icon = row.status === 'running' ? spinner[this.frame % spinner.length] : icons[row.status];
    const color = colorOf(style, row.status);
    const label = `${'  '.repeat(row.depth)}${row.label}`;
    const elapsed = row.startedAt === undefined ? '' : formatDuration((row.endedAt ?? now) - row.startedAt);
    const attempt = row.attempt > 1 ? ` #${row.attempt}` : '';
    return [
      ` ${color(icon ?? ' ')} ${padVisible(label, labelWidth)}`,
      padVisible(style.dim(row.kind), 9),
      padVisible(color(row.status + attempt), 12),
      padVisible(elapsed, 7),
      padVisible(row.usage ? formatUsage(row.usage) : '', 16),
      padVisible(row.unpriced ? '?' : row.costUsd === undefined ? '' : formatCost(row.costUsd), 8),
      style.dim([row.model, row.note].filter(Boolean).join('  ')),
    ].join(' ');
  }

  /** All rows if they fit the terminal, else finished nested instances give way first. */
  private visibleRows(): StepRow[] {
    const rows = this.board.rows;
    // Each running step with streamed text takes a second line.
    const streaming = rows.filter((row) => row.status === 'running' && lastLine(row.stream)).length;
    const room = Math.max(5, (process.stdout.rows || 40) - 4 - streaming);
    if (rows.length <= room) return rows;
    const quiet = (row: StepRow) => row.depth > 0 && (row.status === 'succeeded' || row.status === 'skipped');
    let excess = rows.length - room;
    return rows.filter((row) => {
      if (excess > 0 && quiet(row)) {
        excess--;
        return false;
      }
      return true;
    });
  }
}

/** The last line of streamed text that has something on it, for the line under a running step. */
function lastLine(text: string | undefined): string {
  if (!text) return '';
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return (lines.at(-1) ?? '').trim();
}

function colorOf(style: Style, status: RowStatus): (text: string) => string {
  switch (status) {
    case 'succeeded':
      return style.green;
    case 'failed':
    case 'cancelled':
      return style.red;
    case 'running':
      return style.cyan;
    case 'retrying':
    case 'waiting':
      return style.yellow;
    default:
      return style.dim;
  }
}
