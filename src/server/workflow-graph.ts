import { compileGraph, type Step } from '../core/index.js';
import type { GraphSchema } from './api-schemas.js';

type Graph = (typeof GraphSchema)['_output'];

/**
 * The dataflow graph of a workflow, as the engine schedules it: one node per step (the steps of a
 * map or loop are nodes inside their group, with `parent`), one edge per dependency; an edge a
 * branch gates is labelled with its routes, one that handles an error says so.
 */
export function workflowGraph(steps: readonly Step[], parent?: string): Graph {
  const graph: Graph = { nodes: [], edges: [] };
  const compiled = compileGraph(steps);
  const idOf = (step: Step) => (parent === undefined ? step.id : `${parent}/${step.id}`);
  for (const node of compiled.nodes) {
    const { step } = node;
    const id = idOf(step);
    const model = modelOf(step);
    graph.nodes.push({
      id,
      kind: step.kind,
      ...(model === undefined ? {} : { model }),
      ...(parent === undefined ? {} : { parent }),
      label: step.description ?? step.id,
    });
    for (const dep of node.deps) {
      const from = compiled.nodes[dep];
      if (!from) continue;
      const gate = node.gate;
      const label =
        gate?.kind === 'route' && gate.branch === dep
          ? [...gate.routes].join(' | ')
          : gate?.kind === 'error' && gate.from.has(dep)
            ? 'on error'
            : undefined;
      graph.edges.push({ from: idOf(from.step), to: id, ...(label === undefined ? {} : { label }) });
    }
    if (step.kind === 'map' || step.kind === 'loop') {
      const inner = workflowGraph(step.steps, id);
      graph.nodes.push(...inner.nodes);
      graph.edges.push(...inner.edges);
    }
  }
  return graph;
}

function modelOf(step: Step): string | undefined {
  const model =
    step.kind === 'llm' || step.kind === 'agent'
      ? step.model
      : step.kind === 'branch'
        ? step.classify?.model
        : undefined;
  return Array.isArray(model) ? model.join(' → ') : model;
}
