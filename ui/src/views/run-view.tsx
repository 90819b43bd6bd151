import { useEffect, useMemo, useState } from 'react';
import { allows, failureOf, post } from '../api.ts';
import type { RunDetail, StepStatus, WorkflowGraph } from '../api-types.ts';
import { useMe } from '../app.tsx';
import { GanttTimeline } from '../components/gantt-timeline.tsx';
import { ErrorBox, JsonBlock, StatusBadge } from '../components/readable-value.tsx';
import { WorkflowGraphView } from '../components/workflow-graph.tsx';
import { formatCost, formatDuration, formatTime, formatTokens } from '../format.ts';
import { Link } from '../router.tsx';
import {
  barsOfSteps,
  criticalPath,
  isTerminal,
  mergeSteps,
  nodeIdOf,
  statusByNode,
} from '../run-timeline.ts';
import { useFetch } from '../use-fetch.ts';
import { useRunTimeline } from '../use-run-timeline.ts';
import { ApprovalCard } from './approval-card.tsx';
import { AuditTrail } from './audit-trail.tsx';
import { StepPanel } from './step-panel.tsx';

/** One run, live: its graph coloured by step status, the attempts over time, and a step's details. */
export function RunView({ runId }: { runId: string }) {
  const detail = useFetch<RunDetail>(`/api/runs/${encodeURIComponent(runId)}`);
  const [generation, setGeneration] = useState(0);
  const { timeline, connected } = useRunTimeline(runId, detail.reload, generation);
  const run = detail.data;
  const me = useMe();
  const [selected, setSelected] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  // The journal has the last word once the run ended (a cancel of a waiting run sends no event).
  const status = isTerminal(run?.status) ? run?.status : (timeline.ended?.status ?? run?.status);
  const running = status === 'running';
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [running]);
  const steps = useMemo(() => mergeSteps(run?.steps ?? [], timeline), [run?.steps, timeline]);
  const graph: WorkflowGraph = useMemo(
    () =>
      run?.graph ?? {
        nodes: [...new Set(steps.map((step) => nodeIdOf(step.path)))].map((id) => ({
          id,
          kind: steps.find((step) => nodeIdOf(step.path) === id)?.kind ?? 'step',
          label: id,
        })),
        edges: [],
      },
    [run?.graph, steps],
  );
  const statuses = useMemo(() => {
    const map = new Map<string, StepStatus | 'pending'>(statusByNode(steps));
    for (const node of graph.nodes)
      if (!map.has(node.id) && !graph.nodes.some((child) => child.parent === node.id))
        map.set(node.id, 'pending');
    return map;
  }, [steps, graph]);
  const critical = useMemo(() => criticalPath(steps, graph.edges), [steps, graph]);
  if (detail.error && !run) return <section className="panel error">{detail.error.message}</section>;
  if (!run) return <section className="panel muted">Loading…</section>;
  const selectedStep = steps.find((step) => step.path === selected);
  const act = async (action: 'cancel' | 'resume') => {
    setActionError(undefined);
    try {
      await post(`/api/runs/${encodeURIComponent(runId)}/${action}`);
      detail.reload();
      if (action === 'resume') setGeneration((value) => value + 1);
    } catch (error) {
      setActionError(failureOf(error)?.message ?? String(error));
    }
  };
  const operator = allows(me?.role, 'operator');
  const duration = run.durationMs ?? (run.endedAt ? run.endedAt - run.createdAt : now - run.createdAt);
  return (
    <section className="panel run-view" data-run-status={status}>
      <div className="run-header">
        <h1>
          {run.workflowName} <span className="muted small">{run.id}</span>
        </h1>
        <StatusBadge status={status ?? run.status} />
        <span
          className={`live-light${connected ? ' on' : ''}`}
          title={connected ? 'live' : 'not connected'}
        />
        <div className="run-actions">
          {operator && (status === 'running' || status === 'waiting') && (
            <button type="button" onClick={() => void act('cancel')}>
              Cancel
            </button>
          )}
          {operator && (status === 'failed' || status === 'cancelled') && (
            <button type="button" onClick={() => void act('resume')}>
              Resume
            </button>
          )}
          {operator && isTerminal(status) && (
            <button
              type="button"
              onClick={() => setSelected(steps.find((step) => step.path === step.stepId)?.path)}
              title="Pick a step, then Fork from it"
            >
              Replay from a step…
            </button>
          )}
        </div>
      </div>
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Started</dt>
          <dd>{formatTime(run.createdAt)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(duration)}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>{formatTokens(run.usage)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatCost(run.costUsd)}</dd>
        </div>
        {run.parentRunId && (
          <div>
            <dt>Forked from</dt>
            <dd>
              <Link to={`/runs/${encodeURIComponent(run.parentRunId)}`}>{run.parentRunId.slice(0, 12)}</Link>{' '}
              ·{' '}
              <Link to={`/diff/${encodeURIComponent(run.parentRunId)}/${encodeURIComponent(run.id)}`}>
                diff
              </Link>
            </dd>
          </div>
        )}
      </dl>
      {run.error && <ErrorBox error={run.error} />}
      {run.waiting.length > 0 && (
        <div className="waiting">
          <h2>Waiting for a decision</h2>
          {run.waiting.map((pending) => (
            <ApprovalCard
              key={`${pending.path}:${pending.call ?? ''}`}
              pending={pending}
              onDecided={detail.reload}
            />
          ))}
        </div>
      )}
      <div className="run-body">
        <div className="run-main">
          <WorkflowGraphView
            graph={graph}
            definition={run.definition}
            statuses={statuses}
            critical={critical}
            selected={selectedStep ? nodeIdOf(selectedStep.path) : undefined}
            onSelect={(id) => setSelected(steps.find((step) => nodeIdOf(step.path) === id)?.path ?? selected)}
          />
          <p className="legend muted small">
            <span className="swatch status-running" /> running <span className="swatch status-succeeded" />{' '}
            succeeded <span className="swatch status-failed" /> failed{' '}
            <span className="swatch status-waiting" /> waiting <span className="swatch status-skipped" />{' '}
            skipped <span className="swatch critical" /> critical path
          </p>
          <h2>Timeline</h2>
          <GanttTimeline
            attempts={timeline.attempts.length > 0 ? timeline.attempts : barsOfSteps(steps)}
            now={now}
            selected={selected}
            onSelect={setSelected}
          />
          <h2>Steps</h2>
          <table className="steps">
            <thead>
              <tr>
                <th>Step</th>
                <th>Kind</th>
                <th>Status</th>
                <th className="number">Duration</th>
                <th className="number">Tokens</th>
                <th className="number">Cost</th>
              </tr>
            </thead>
            <tbody>
              {steps.map((step) => (
                <tr
                  key={step.path}
                  className={step.path === selected ? 'selected' : ''}
                  data-path={step.path}
                  data-status={step.status}
                  onClick={() => setSelected(step.path)}
                >
                  <td>
                    <button type="button" className="link-button" onClick={() => setSelected(step.path)}>
                      {step.path}
                    </button>
                  </td>
                  <td>{step.kind}</td>
                  <td>
                    <StatusBadge status={step.status} />
                  </td>
                  <td className="number">
                    {formatDuration(
                      step.startedAt === undefined ? undefined : (step.endedAt ?? now) - step.startedAt,
                    )}
                  </td>
                  <td className="number">
                    {step.usage ? (step.usage.inputTokens + step.usage.outputTokens).toLocaleString() : '—'}
                  </td>
                  <td className="number">{formatCost(step.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <AuditTrail runId={runId} approvals={timeline.approvals} />
          <details>
            <summary>Run input and output</summary>
            <h3>Input</h3>
            <JsonBlock value={run.input} label="run input" />
            <h3>Output</h3>
            <JsonBlock value={run.output} label="run output" />
          </details>
        </div>
        {selectedStep && (
          <StepPanel
            key={selectedStep.path}
            run={run}
            step={selectedStep}
            streaming={timeline.streaming.get(selectedStep.path)}
            calls={timeline.calls.get(selectedStep.path) ?? []}
            // A fork starts again at a top-level step; an inner step is forked through its map or loop.
            canFork={operator && isTerminal(status) && selectedStep.path === selectedStep.stepId}
            onClose={() => setSelected(undefined)}
          />
        )}
      </div>
    </section>
  );
}
