import type { RunSummary } from '../api-types.ts';
import { StatusBadge } from '../components/readable-value.tsx';
import { formatCost, formatDuration, formatTime, totalTokens } from '../format.ts';
import { Link } from '../router.tsx';

/** Runs as rows: status, workflow, start, duration, tokens, cost. */
export function RunTable({ runs, now }: { runs: RunSummary[]; now?: number }) {
  if (runs.length === 0) return <p className="muted">No runs.</p>;
  return (
    <table className="runs">
      <thead>
        <tr>
          <th>Run</th>
          <th>Status</th>
          <th>Workflow</th>
          <th>Started</th>
          <th className="number">Duration</th>
          <th className="number">Tokens</th>
          <th className="number">Cost</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-run={run.id} data-status={run.status}>
            <td>
              <Link to={`/runs/${encodeURIComponent(run.id)}`}>{run.id.slice(0, 12)}</Link>
              {run.parentRunId && <span className="muted small"> fork</span>}
            </td>
            <td>
              <StatusBadge status={run.status} />
              {run.waiting ? <span className="muted small"> {run.waiting} waiting</span> : null}
            </td>
            <td>{run.workflowName}</td>
            <td>{formatTime(run.createdAt)}</td>
            <td className="number">
              {formatDuration(
                run.durationMs ?? (run.endedAt === undefined && now ? now - run.createdAt : undefined),
              )}
            </td>
            <td className="number">{totalTokens(run.usage).toLocaleString()}</td>
            <td className="number">{formatCost(run.costUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
