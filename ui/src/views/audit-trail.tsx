import { encodeStepPath } from '../api.ts';
import type { RunEvent, StepDetail } from '../api-types.ts';
import { ReadableValue } from '../components/readable-value.tsx';
import { formatTime } from '../format.ts';
import { useFetch } from '../use-fetch.ts';

interface Decision {
  action: 'approve' | 'reject';
  by: string;
  at: number;
  comment?: string;
  reason?: string;
  diff?: Array<{ path: string; before: unknown; after: unknown }>;
}

/** Who decided each approval of the run, when, with what comment, and what their edit changed. */
export function AuditTrail({ runId, approvals }: { runId: string; approvals: RunEvent[] }) {
  const paths = [
    ...new Set(approvals.filter((event) => event.call === undefined).map((event) => event.path ?? '')),
  ];
  if (paths.length === 0) return null;
  const decided = approvals.filter((event) => event.type === 'approval-response').length;
  return (
    <section className="audit-trail">
      <h2>Approvals</h2>
      {paths.map((path) => (
        <StepAudit key={`${path}:${decided}`} runId={runId} path={path} />
      ))}
    </section>
  );
}

function StepAudit({ runId, path }: { runId: string; path: string }) {
  const detail = useFetch<StepDetail>(`/api/runs/${encodeURIComponent(runId)}/steps/${encodeStepPath(path)}`);
  const calls = detail.data?.calls ?? [];
  const request = calls.find((call) => call.kind === 'approval-request')?.request as
    | { requestedAt?: number; expiresAt?: number }
    | undefined;
  const decision = calls.find((call) => call.kind === 'approval-decision')?.response as Decision | undefined;
  return (
    <div className="audit-entry" data-path={path}>
      <h3>
        <code>{path}</code>
      </h3>
      <ul>
        {request?.requestedAt !== undefined && <li>Requested {formatTime(request.requestedAt)}</li>}
        {decision ? (
          <li data-decision={decision.action}>
            <strong>
              {decision.action === 'approve'
                ? decision.diff?.length
                  ? 'Approved with edits'
                  : 'Approved'
                : 'Rejected'}
            </strong>{' '}
            by <strong>{decision.by}</strong> at {formatTime(decision.at)}
            {decision.comment && <div>Comment: {decision.comment}</div>}
            {decision.reason && <div>Reason: {decision.reason}</div>}
          </li>
        ) : (
          <li className="muted">Not decided yet</li>
        )}
      </ul>
      {decision?.diff && decision.diff.length > 0 && (
        <table className="edit-diff">
          <thead>
            <tr>
              <th>Field</th>
              <th>Proposed</th>
              <th>Approved</th>
            </tr>
          </thead>
          <tbody>
            {decision.diff.map((change) => (
              <tr key={change.path}>
                <td>
                  <code>{change.path}</code>
                </td>
                <td className="removed">
                  <ReadableValue value={change.before} />
                </td>
                <td className="added">
                  <ReadableValue value={change.after} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
