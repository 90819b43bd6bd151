import { deserializeError, type RunResult } from '../../core/index.js';
import type { CliOutput } from '../output.js';
import { formatCostOf, formatDuration, formatUsage, formatValue, formatValueLine } from './format.js';
import type { Style } from './style.js';

/**
 * Prints how a run ended: the result document as a JSON line in `--json` mode, else one status line, the output
 * of a succeeded run, and for any other end the command that continues it.
 */
export function printRunSummary(output: CliOutput, style: Style, result: RunResult): void {
  if (output.json) {
    // The last of the run's JSON lines.
    output.jsonLine(result);
    return;
  }
  const totals = `${formatDuration(result.durationMs)} · ${formatUsage(result.usage)} · ${formatCostOf(result.costUsd, result.unpriced)}`;
  const id = result.runId;
  if (result.unpriced) {
    output.note(
      'warning: some model calls have no price, so the cost shown leaves them out; add prices under `models.pricing` in baton.config.yaml',
    );
  }
  switch (result.status) {
    case 'succeeded':
      output.line(`${style.green('✓')} Run ${id} succeeded in ${totals}`);
      output.line(style.bold('Output:'));
      output.line(formatValue(result.output));
      break;
    case 'waiting': {
      const questions = result.waiting?.questions ?? [];
      const calls = result.waiting?.calls ?? [];
      const other = new Set([...questions, ...calls].map((item) => item.path));
      const paths = (result.waiting?.paths ?? []).filter((path) => !other.has(path));
      const what = [...paths, ...calls.map((call) => `${call.path} call ${call.call} (${call.tool})`)];
      if (what.length > 0 || questions.length === 0) {
        output.line(
          `${style.yellow('⏸')} Run ${id} is waiting for approval of ${what.join(', ') || 'a step'} (${totals})`,
        );
      }
      for (const path of paths) {
        output.line(`  approve: baton approve ${id} ${path}`);
        output.line(`  reject:  baton reject ${id} ${path} --reason "..."`);
      }
      for (const call of calls) {
        output.line(`  call ${call.call}: ${call.tool} ${JSON.stringify(call.args)}`);
        output.line(`    approve: baton approve ${id} ${call.path} --call ${call.call} [--edit args.json]`);
        output.line(`    reject:  baton reject ${id} ${call.path} --call ${call.call} --reason "..."`);
      }
      for (const question of questions) {
        output.line(
          `${style.yellow('⏸')} Run ${id} asks (${question.path}, ${question.key}): ${question.prompt}`,
        );
        output.line(`  answer: baton answer ${id} ${question.path} --value '<json>'`);
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
      printContext(output, result.error?.details);
      output.line(
        `  inspect: baton show ${id}${result.error?.stepPath ? ` --step ${result.error.stepPath}` : ''}`,
      );
      // A rejection stands: resuming would meet the same decision. A replay asks again.
      if (result.error?.code === 'APPROVAL_REJECTED' && result.error.stepPath !== undefined) {
        output.line(`  ask again: baton replay ${id} --from ${result.error.stepPath.split(/[/[#]/)[0]}`);
      } else output.line(`  retry:   baton resume ${id}`);
      break;
    }
  }
}

/** The step's attempt count and the values it read, so a failure shows the context it saw. */
function printContext(output: CliOutput, details: Record<string, unknown> | undefined): void {
  const reads = (details?.input as { reads?: Record<string, unknown> } | undefined)?.reads;
  if (typeof details?.attempts === 'number') output.line(`  attempts: ${details.attempts}`);
  if (!reads) return;
  output.line('  it read:');
  for (const [reference, value] of Object.entries(reads))
    output.line(`    ${reference} = ${value === undefined ? '(nothing)' : formatValueLine(value, 120)}`);
}
