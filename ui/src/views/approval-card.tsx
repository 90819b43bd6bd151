import { useEffect, useState } from 'react';
import { allows, encodeStepPath, failureOf, post } from '../api.ts';
import type { Pending, Problem } from '../api-types.ts';
import { useMe } from '../app.tsx';
import { ReadableValue } from '../components/readable-value.tsx';
import { SchemaForm } from '../components/schema-form.tsx';
import { formatRelative, formatTime } from '../format.ts';
import { Link } from '../router.tsx';

type Mode = 'decide' | 'edit' | 'reject';

/**
 * One pending approval, gated tool call or question: what it asks, how old it is and when it
 * expires, and the approve / edit / reject actions. An edit is checked by the server; its problems
 * (422) show next to the fields and nothing is recorded until an edit passes.
 */
export function ApprovalCard({ pending, onDecided }: { pending: Pending; onDecided: () => void }) {
  const me = useMe();
  const [mode, setMode] = useState<Mode>(pending.kind === 'question' ? 'edit' : 'decide');
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  // What is edited: an approval's subject, a gated tool call's arguments, a question's answer.
  const [edit, setEdit] = useState<unknown>(() => initialEdit(pending));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(timer);
  }, []);
  const base = `/api/runs/${encodeURIComponent(pending.runId)}/approvals/${encodeStepPath(pending.path)}`;
  const send = async (action: 'approve' | 'reject', body: Record<string, unknown>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      if (pending.call !== undefined) body.call = pending.call;
      await post(`${base}/${action}`, body);
      setProblems([]);
      onDecided();
    } catch (error) {
      const failure = failureOf(error);
      setProblems(failure?.problems ?? []);
      setMessage(
        failure?.status === 409
          ? `Already decided: ${failure.message}`
          : failure?.status === 422
            ? 'The edit does not fit the schema; nothing was recorded. Fix the fields marked below.'
            : (failure?.message ?? String(error)),
      );
      if (failure?.status === 409) onDecided();
    } finally {
      setBusy(false);
    }
  };
  const canDecide = allows(me?.role, 'approver');
  const withComment = () => (comment.trim() ? { comment: comment.trim() } : {});
  return (
    <article className="approval-card" data-run={pending.runId} data-path={pending.path}>
      <header>
        <span className={`badge kind-${pending.kind}`}>{pending.kind}</span>
        <strong>{pending.workflowName}</strong> ·{' '}
        <Link to={`/runs/${encodeURIComponent(pending.runId)}`}>{pending.runId.slice(0, 12)}</Link> · step{' '}
        <code>{pending.path}</code>
        {pending.call !== undefined && <span> · call #{pending.call}</span>}
        <span className="muted small age" title={formatTime(pending.requestedAt)}>
          {' '}
          asked {formatRelative(pending.requestedAt, now)}
        </span>
        {pending.expiresAt !== undefined && (
          <span
            className={`small expiry${pending.expiresAt - now < 3_600_000 ? ' soon' : ''}`}
            title={formatTime(pending.expiresAt)}
          >
            {' '}
            · expires {formatRelative(pending.expiresAt, now)}
          </span>
        )}
      </header>
      {pending.instructions && <p className="instructions">{pending.instructions}</p>}
      <div className="subject">
        <ReadableValue value={pending.subject} />
      </div>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      {!canDecide && <p className="muted small">Deciding needs the approver role.</p>}
      {canDecide && mode === 'decide' && (
        <div className="decide">
          <input
            name="comment"
            placeholder="Comment (optional)"
            value={comment}
            onChange={(event) => setComment(event.target.value)}
          />
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void send('approve', withComment())}
          >
            Approve
          </button>
          <button type="button" disabled={busy} onClick={() => setMode('edit')}>
            Edit…
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => setMode('reject')}>
            Reject…
          </button>
        </div>
      )}
      {canDecide && mode === 'edit' && (
        <form
          className="edit-form"
          onSubmit={(event) => {
            event.preventDefault();
            void send('approve', { edit, ...withComment() });
          }}
        >
          <h3>{pending.kind === 'question' ? 'Answer' : 'Edit, then approve'}</h3>
          <SchemaForm
            name="edit"
            schema={pending.schema ?? (pending.kind === 'question' ? { type: 'string' } : undefined)}
            value={edit}
            onChange={setEdit}
            problems={problems}
          />
          <input
            name="comment"
            placeholder="Comment (optional)"
            value={comment}
            onChange={(event) => setComment(event.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {pending.kind === 'question' ? 'Answer' : 'Approve with edit'}
          </button>
          {pending.kind !== 'question' && (
            <button type="button" onClick={() => setMode('decide')}>
              Back
            </button>
          )}
        </form>
      )}
      {canDecide && mode === 'reject' && (
        <form
          className="reject-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (!reason.trim()) {
              setMessage('Say why: a rejection needs a reason.');
              return;
            }
            void send('reject', { reason: reason.trim() });
          }}
        >
          <label>
            Reason
            <textarea
              name="reason"
              rows={2}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
            />
          </label>
          <button type="submit" className="danger" disabled={busy}>
            Reject
          </button>
          <button type="button" onClick={() => setMode('decide')}>
            Back
          </button>
        </form>
      )}
    </article>
  );
}

function initialEdit(pending: Pending): unknown {
  if (pending.kind === 'question') return undefined;
  if (pending.kind === 'tool-call' && typeof pending.subject === 'object' && pending.subject !== null)
    return (pending.subject as { args?: unknown }).args;
  return pending.subject;
}
