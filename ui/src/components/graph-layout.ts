import { Graph, layout } from '@dagrejs/dagre';
import type { WorkflowGraph } from '../api-types.ts';

export const stepWidth = 200;
export const stepHeight = 74;
const groupHeader = 44;
const groupPadding = 14;

export interface PlacedNode {
  id: string;
  /** Top-left, relative to the parent group (or the canvas at the top level). */
  x: number;
  y: number;
  width: number;
  height: number;
  group: boolean;
  depth: number;
}

/**
 * Lays the graph out top to bottom with dagre, one level at a time: a map, loop or branch is laid
 * out inside first, then placed as one box among its siblings. An edge that crosses a group's
 * border is laid out between the outermost boxes it connects at each level.
 */
export function layoutGraph(graph: WorkflowGraph): { nodes: PlacedNode[]; width: number; height: number } {
  const parentOf = new Map(graph.nodes.map((node) => [node.id, node.parent]));
  const children = new Map<string | undefined, string[]>();
  for (const node of graph.nodes) {
    const parent = node.parent !== undefined && parentOf.has(node.parent) ? node.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), node.id]);
  }
  const placed: PlacedNode[] = [];

  /** The box at `level` that holds `id` (itself, or the ancestor whose parent is `level`). */
  const boxAt = (id: string, level: string | undefined): string | undefined => {
    let current: string | undefined = id;
    const seen = new Set<string>();
    while (current !== undefined && !seen.has(current)) {
      seen.add(current);
      const parent = parentOf.get(current);
      if ((parent !== undefined && parentOf.has(parent) ? parent : undefined) === level) return current;
      current = parent;
    }
    return undefined;
  };

  const layoutLevel = (level: string | undefined, depth: number): { width: number; height: number } => {
    const ids = children.get(level) ?? [];
    const sizes = new Map<string, { width: number; height: number }>();
    for (const id of ids) {
      if (children.has(id)) {
        const inner = layoutLevel(id, depth + 1);
        sizes.set(id, {
          width: inner.width + 2 * groupPadding,
          height: inner.height + groupHeader + groupPadding,
        });
      } else sizes.set(id, { width: stepWidth, height: stepHeight });
    }
    const dagreGraph = new Graph({ multigraph: false });
    dagreGraph.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 46, marginx: 0, marginy: 0 });
    dagreGraph.setDefaultEdgeLabel(() => ({}));
    for (const id of ids) dagreGraph.setNode(id, { ...sizes.get(id) });
    for (const edge of graph.edges) {
      const from = boxAt(edge.from, level);
      const to = boxAt(edge.to, level);
      if (from !== undefined && to !== undefined && from !== to) dagreGraph.setEdge(from, to);
    }
    layout(dagreGraph);
    for (const id of ids) {
      const position = dagreGraph.node(id) as { x: number; y: number; width: number; height: number };
      const offset = level === undefined ? { x: 0, y: 0 } : { x: groupPadding, y: groupHeader };
      placed.push({
        id,
        x: position.x - position.width / 2 + offset.x,
        y: position.y - position.height / 2 + offset.y,
        width: position.width,
        height: position.height,
        group: children.has(id),
        depth,
      });
    }
    const size = dagreGraph.graph() as { width?: number; height?: number };
    return { width: size.width ?? 0, height: size.height ?? 0 };
  };

  const size = layoutLevel(undefined, 0);
  // Parents before children, as the canvas needs them.
  placed.sort((a, b) => a.depth - b.depth);
  return { nodes: placed, ...size };
}
