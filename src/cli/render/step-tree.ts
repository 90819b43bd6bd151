import type { StepRecord } from '../../core/index.js';
import { labelOf, parentOf } from './step-board.js';

/** A node of the instance tree: a journaled step, or a map item / loop iteration that holds steps. */
export interface StepTreeNode {
  path: string;
  label: string;
  depth: number;
  record?: StepRecord;
}

/**
 * Puts a run's step instances in tree order: top-level steps in definition order, then under
 * each map its items by index, under each loop its iterations, under those their steps in the
 * order they started. Items and iterations are not journaled themselves; they appear as nodes.
 *
 * @example
 * ```ts
 * for (const node of stepTree(await store.listSteps(runId), workflow.steps.map((step) => step.id))) print(node);
 * ```
 */
export function stepTree(records: readonly StepRecord[], topLevelIds: readonly string[]): StepTreeNode[] {
  const byPath = new Map(records.map((record) => [record.path, record]));
  const children = new Map<string, Set<string>>();
  const roots = new Set<string>();
  const attach = (path: string) => {
    const parent = parentOf(path);
    if (parent === undefined) {
      roots.add(path);
      return;
    }
    const siblings = children.get(parent) ?? new Set<string>();
    if (!children.has(parent)) {
      children.set(parent, siblings);
      attach(parent);
    }
    siblings.add(path);
  };
  for (const record of records) attach(record.path);
  const order = (paths: Iterable<string>) =>
    [...paths].sort((a, b) => {
      const topA = topLevelIds.indexOf(a);
      const topB = topLevelIds.indexOf(b);
      if (topA !== topB) return (topA < 0 ? Infinity : topA) - (topB < 0 ? Infinity : topB);
      const indexA = instanceIndex(a);
      const indexB = instanceIndex(b);
      if (indexA !== undefined && indexB !== undefined) return indexA - indexB;
      return (byPath.get(a)?.startedAt ?? 0) - (byPath.get(b)?.startedAt ?? 0) || a.localeCompare(b);
    });
  const nodes: StepTreeNode[] = [];
  const visit = (path: string, depth: number) => {
    const record = byPath.get(path);
    nodes.push({ path, label: labelOf(path), depth, ...(record ? { record } : {}) });
    for (const child of order(children.get(path) ?? [])) visit(child, depth + 1);
  };
  for (const root of order(roots)) visit(root, 0);
  return nodes;
}

function instanceIndex(path: string): number | undefined {
  const marker = /(?:\[(\d+)\]|#(\d+))$/.exec(path);
  return marker ? Number(marker[1] ?? marker[2]) : undefined;
}
