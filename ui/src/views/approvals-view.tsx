import type { Pending } from '../api-types.ts';
import { useFetch } from '../use-fetch.ts';
import { ApprovalCard } from './approval-card.tsx';

/** The inbox: everything waiting for a person, across all runs, oldest first. */
export function ApprovalsView() {
  const inbox = useFetch<{ approvals: Pending[] }>('/api/approvals', 3000);
  const approvals = [...(inbox.data?.approvals ?? [])].sort((a, b) => a.requestedAt - b.requestedAt);
  return (
    <section className="panel">
      <h1>Approvals</h1>
      {inbox.error && <p className="error">{inbox.error.message}</p>}
      {inbox.data && approvals.length === 0 && (
        <p className="muted empty-inbox">Nothing is waiting for a decision.</p>
      )}
      <div className="inbox">
        {approvals.map((pending) => (
          <ApprovalCard
            key={`${pending.runId}:${pending.path}:${pending.call ?? ''}`}
            pending={pending}
            onDecided={inbox.reload}
          />
        ))}
      </div>
    </section>
  );
}
