import type { Step } from './step.js';
import { stepReferences } from './step-references.js';

export type Gate =
  | { kind: 'route'; branch: number; routes: Set<string> }
  | { kind: 'error'; from: Set<number> };

export interface GraphNode {
  step: Step;
  index: number;
  deps: number[];
  dependents: number[];
  gate: Gate | undefined;
}

export interface CompiledGraph {
  nodes: GraphNode[];
  byId: Map<string, number>;
}

/**
 * The order in which the engine starts a level's steps when each ends at once: the steps without
 * dependencies in their written order, then each step as its last dependency ends. Every step
 * comes after the steps it depends on; a step on a cycle (which validation refuses) is left out.
 */
export function startOrder(graph: CompiledGraph): number[] {
  const waiting = graph.nodes.map((node) => node.deps.length);
  const order = graph.nodes.flatMap((node) => (node.deps.length === 0 ? [node.index] : []));
  for (let next = 0; next < order.length; next++) {
    for (const dependent of graph.nodes[order[next] as number]?.dependents ?? []) {
      waiting[dependent] = (waiting[dependent] ?? 1) - 1;
      if (waiting[dependent] === 0) order.push(dependent);
    }
  }
  return order;
}

const cache = new WeakMap<readonly Step[], CompiledGraph>();

/**
 * Resolves each step's dependencies at one level of a workflow: its `needs`, else the steps its
 * expressions read; plus the branch that gates it and the step whose failure routes to it.
 * References to ids outside this level are satisfied by the enclosing scope.
 */
export function compileGraph(steps: readonly Step[]): CompiledGraph {
  const cached = cache.get(steps);
  if (cached) return cached;
  const byId = new Map(steps.map((step, index) => [step.id, index]));
  const nodes: GraphNode[] = steps.map((step, index) => ({
    step,
    index,
    deps: [],
    dependents: [],
    gate: undefined,
  }));
  const depSets = nodes.map(() => new Set<number>());
  for (const node of nodes) {
    const named = node.step.needs ?? stepReferences(node.step);
    for (const id of named) {
      const dep = byId.get(id);
      if (dep !== undefined && dep !== node.index) depSets[node.index]?.add(dep);
    }
    const step = node.step;
    if (step.kind === 'branch') {
      for (const [route, config] of Object.entries(step.routes)) {
        for (const id of config.steps) {
          const target = nodes[byId.get(id) ?? -1];
          if (!target) continue;
          depSets[target.index]?.add(node.index);
          if (target.gate?.kind === 'route' && target.gate.branch === node.index)
            target.gate.routes.add(route);
          else target.gate = { kind: 'route', branch: node.index, routes: new Set([route]) };
        }
      }
    }
    if (typeof step.onError === 'object' && 'route' in step.onError) {
      const target = nodes[byId.get(step.onError.route) ?? -1];
      if (target) {
        depSets[target.index]?.add(node.index);
        if (target.gate?.kind === 'error') target.gate.from.add(node.index);
        else target.gate = { kind: 'error', from: new Set([node.index]) };
      }
    }
  }
  for (const node of nodes) {
    node.deps = Array.from(depSets[node.index] ?? []);
    for (const dep of node.deps) nodes[dep]?.dependents.push(node.index);
  }
  const graph = { nodes, byId };
  cache.set(steps, graph);
  return graph;
}
