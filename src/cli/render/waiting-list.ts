import type { WaitingItem } from '../../core/index.js';
import { formatValueLine } from './format.js';

/**
 * What a waiting run waits on, each with the commands that decide or answer it: an approval step,
 * a gated tool call of an agent, a question asked with `ctx.interrupt`. `baton runs` and `baton
 * show` print the same lines.
 */
export function waitingLines(runId: string, items: readonly WaitingItem[]): string[] {
  const lines: string[] = [];
  for (const item of items) {
    if (item.kind === 'approval') {
      lines.push(
        `  ${item.path}: baton approve ${runId} ${item.path}  |  baton reject ${runId} ${item.path} --reason "..."`,
      );
    } else if (item.kind === 'question') {
      lines.push(`  ${item.path} asks (${item.key}): ${formatValueLine(item.prompt ?? '', 100)}`);
      lines.push(`    baton answer ${runId} ${item.path} --value '<json>'`);
    } else {
      lines.push(
        `  ${item.path} call ${item.call}: ${item.tool} ${formatValueLine(item.args, 100)}${item.instructions ? ` (${item.instructions})` : ''}`,
      );
      lines.push(`    baton approve ${runId} ${item.path} --call ${item.call} [--edit args.json]`);
      lines.push(`    baton reject ${runId} ${item.path} --call ${item.call} --reason "..."`);
    }
  }
  return lines;
}
