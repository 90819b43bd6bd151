import { deserializeError, type RunResult } from '../../core/index.js';
import type { CliOutput } from '../output.js';
import { formatCost, formatDuration, formatUsage, formatValue } from './format.js';
import type { Style } from './style.js';

/**
 * Prints how a run ended: the result document in `--json` mode, else one status line, the output
 * of a succeeded run, and for any other end the command that continues it.
 */
export function printRunSummary(output: CliOutput, style: Style, result: RunResult): void {
  if (output.json) {
    output.data(result);
    return;
  }
  const totals = `${formatDuration(result.durationMs)} · ${formatUsage(result.usage)} · ${formatCost(result.costUsd)}`;
  const id = result.runId;
  switch (result.status) {
    case 'succeeded':
      output.line(`${style.green('✓')} Run ${id} succeeded in ${totals}`);
      output.line(style.bold('Output:'));
      output.line(formatValue(result.output));
      break;
    case 'waiting': {
      const calls = result.waiting?.calls ?? [];
      const gated = new Set(calls.map((call) => call.path));
      const paths = (result.waiting?.paths ?? []).filter((path) => !gated.has(path));
      const what = [...paths, ...calls.map((call) => `${call.path} call ${call.call} (${call.tool})`)];
      output.line(
        `${style.yellow('⏸')} Run ${id} is waiting for approval of ${what.join(', ') || 'a step'} (${totals})`,
      );
      for (const path of paths) {
        output.line(`  approve: baton approve ${id} ${path}`);
        output.line(`  reject:  baton reject ${id} ${path} --reason "..."`);
      }
      for (const call of calls) {
        output.line(`  call ${call.call}: ${call.tool} ${JSON.stringify(call.args)}`);
        output.line(`    approve: baton approve ${id} ${call.path} --call ${call.call} [--edit args.json]`);
        output.line(`    reject:  baton reject ${id} ${call.path} --call ${call.call} --reason "..."`);
      }
      break;
    }
    case 'cancelled':
      output.line(`${style.red('■')} Run ${id} was cancelled after ${totals}`);
      output.line(`  resume it: baton resume ${id}`);
      break;
    case 'failed': {
      output.line(`${style.red('✗')} Run ${id} failed after ${totals}`);
      if (result.error) output.note(`error: ${deserializeError(result.error).describe()}`);
      output.line(
        `  inspect: baton show ${id}${result.error?.stepPath ? ` --step ${result.error.stepPath}` : ''}`,
      );
      output.line(`  retry:   baton resume ${id}`);
      break;
    }
    case 'running':
      output.line(`Run ${id} is still running.`);
      break;
  }
}
