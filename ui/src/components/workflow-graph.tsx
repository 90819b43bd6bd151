import '@xyflow/react/dist/style.css';
import { type Edge, Handle, type Node, type NodeProps, Position, ReactFlow } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { StepDefinition, StepStatus, WorkflowDefinition, WorkflowGraph } from '../api-types.ts';
import { findStepDefinition } from '../definition.ts';
import { layoutGraph } from './graph-layout.ts';

type StepData = {
  label: string;
  kind: string;
  model?: string;
  status?: StepStatus | 'pending';
  critical: boolean;
  selected: boolean;
  group: boolean;
  /** Limits and conditions of the step: retries, timeout, concurrency limit, `when`. */
  limits: string[];
};

function StepNode({ data }: NodeProps<Node<StepData>>) {
  const classes = [
    data.group ? 'group-node' : 'step-node',
    `kind-${data.kind}`,
    `status-${data.status ?? 'none'}`,
    data.critical ? 'critical' : '',
    data.selected ? 'selected' : '',
  ];
  return (
    <div className={classes.join(' ')} data-step={data.label} data-status={data.status ?? ''}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="node-title">
        <span className="node-kind">{data.kind}</span>
        <span className="node-label">{data.label}</span>
      </div>
      {data.model && (
        // Options after `?` (mock latencies, ...) only on hover.
        <div className="node-model" title={data.model}>
          {data.model.split('?')[0]}
        </div>
      )}
      {data.limits.length > 0 && <div className="node-limits">{data.limits.join(' · ')}</div>}
      {data.status && !data.group && <div className="node-status">{data.status}</div>}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { step: StepNode };

export interface WorkflowGraphViewProps {
  graph: WorkflowGraph;
  /** Status per graph node id (step id), for a run. */
  statuses?: Map<string, StepStatus | 'pending'>;
  /** Node ids on the critical path. */
  critical?: Set<string>;
  selected?: string | undefined;
  onSelect?: (id: string) => void;
  /** The workflow's definition, for the limits shown on each step. */
  definition?: WorkflowDefinition | undefined;
}

/** A workflow's steps as a graph: kinds and models on the nodes, maps, loops and branches as groups. */
export function WorkflowGraphView(props: WorkflowGraphViewProps) {
  const placed = useMemo(() => layoutGraph(props.graph), [props.graph]);
  const nodes = useMemo<Node<StepData>[]>(() => {
    const byId = new Map(props.graph.nodes.map((node) => [node.id, node]));
    return placed.nodes.map((box) => {
      const source = byId.get(box.id);
      const data: StepData = {
        label: source?.label ?? box.id,
        kind: source?.kind ?? 'step',
        critical: props.critical?.has(box.id) ?? false,
        selected: props.selected === box.id,
        group: box.group,
        limits: limitsOf(findStepDefinition(props.definition?.steps, box.id.split('/').at(-1) ?? box.id)),
      };
      if (source?.model) data.model = source.model;
      const status = props.statuses?.get(box.id);
      if (status) data.status = status;
      const node: Node<StepData> = {
        id: box.id,
        type: 'step',
        position: { x: box.x, y: box.y },
        data,
        width: box.width,
        height: box.height,
        style: { width: box.width, height: box.height },
        draggable: false,
        connectable: false,
      };
      if (source?.parent && byId.has(source.parent)) node.parentId = source.parent;
      if (box.group) node.zIndex = -1;
      return node;
    });
  }, [placed, props.graph, props.statuses, props.critical, props.selected, props.definition]);
  const edges = useMemo<Edge[]>(
    () =>
      props.graph.edges.map((edge) => {
        const critical = (props.critical?.has(edge.from) && props.critical?.has(edge.to)) ?? false;
        const result: Edge = {
          id: `${edge.from}->${edge.to}`,
          source: edge.from,
          target: edge.to,
          className: critical ? 'critical-edge' : '',
          animated: props.statuses?.get(edge.to) === 'running',
        };
        if (edge.label) result.label = edge.label;
        return result;
      }),
    [props.graph, props.critical, props.statuses],
  );
  const height = Math.min(640, Math.max(220, placed.height + 60));
  // The whole graph stays in view when its box changes width (a step panel opens beside it): the
  // canvas starts again at the new width and fits the graph once more.
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!box.current) return;
    const observer = new ResizeObserver(([entry]) =>
      setWidth(Math.round((entry?.contentRect.width ?? 0) / 40)),
    );
    observer.observe(box.current);
    return () => observer.disconnect();
  }, []);
  return (
    <div className="graph" style={{ height }} ref={box}>
      <ReactFlow
        key={width}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
        minZoom={0.2}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={props.onSelect !== undefined}
        onNodeClick={(_, node) => props.onSelect?.(node.id)}
        proOptions={{ hideAttribution: true }}
      />
    </div>
  );
}

/** What bounds a step, in a few words: `retry 3`, `timeout 30s`, `limit api`, `max 5`, `when`. */
function limitsOf(step: StepDefinition | undefined): string[] {
  if (!step) return [];
  const limits: string[] = [];
  const retry = step.retry as { maxAttempts?: number } | undefined;
  if (retry?.maxAttempts !== undefined) limits.push(`retry ${retry.maxAttempts}`);
  if (step.timeout !== undefined) limits.push(`timeout ${String(step.timeout)}`);
  if (typeof step.limit === 'string') limits.push(`limit ${step.limit}`);
  if (typeof step.concurrency === 'number') limits.push(`${step.concurrency} at once`);
  if (typeof step.maxIterations === 'number') limits.push(`max ${step.maxIterations}`);
  if (step.when !== undefined) limits.push('when');
  if (step.kind === 'approval' && step.expires !== undefined) limits.push(`expires ${String(step.expires)}`);
  return limits;
}
