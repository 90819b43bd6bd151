import { useEffect, useState } from 'react';
import type { RunStatus, RunSummary, WorkflowListing } from '../api-types.ts';
import { navigate, useLocation } from '../router.tsx';
import { useFetch } from '../use-fetch.ts';
import { RunTable } from './run-table.tsx';

const statuses: RunStatus[] = ['running', 'waiting', 'succeeded', 'failed', 'cancelled'];
const pageSize = 50;

/**
 * All runs, newest first, filtered by workflow, status, start time and text. Pages follow the
 * server's cursor, so the tenth page costs what the first does; the first page refreshes itself.
 */
export function RunsView() {
  const { query } = useLocation();
  const filters = {
    workflow: query.get('workflow') ?? '',
    status: query.get('status') ?? '',
    q: query.get('q') ?? '',
    since: query.get('since') ?? '',
  };
  const filterKey = JSON.stringify(filters);
  // Cursors of the pages before this one, so Previous can go back.
  const [cursors, setCursors] = useState<string[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter starts at the first page.
  useEffect(() => setCursors([]), [filterKey]);
  const cursor = cursors.at(-1);
  const search = new URLSearchParams({ limit: String(pageSize) });
  if (filters.workflow) search.set('workflow', filters.workflow);
  if (filters.status) search.set('status', filters.status);
  if (filters.q) search.set('q', filters.q);
  if (filters.since) search.set('since', String(new Date(filters.since).getTime()));
  if (cursor) search.set('cursor', cursor);
  const page = useFetch<{ runs: RunSummary[]; nextCursor?: string }>(
    `/api/runs?${search}`,
    cursor ? undefined : 2000,
  );
  const workflows = useFetch<{ workflows: WorkflowListing[] }>('/api/workflows');
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate(`/runs${next.size > 0 ? `?${next}` : ''}`, { replace: true });
  };
  return (
    <section className="panel">
      <h1>Runs</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Workflow
          <select
            name="workflow"
            value={filters.workflow}
            onChange={(event) => setFilter('workflow', event.target.value)}
          >
            <option value="">all</option>
            {(workflows.data?.workflows ?? []).map((workflow) => (
              <option key={workflow.name} value={workflow.name}>
                {workflow.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            name="status"
            value={filters.status}
            onChange={(event) => setFilter('status', event.target.value)}
          >
            <option value="">all</option>
            {statuses.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <input
            name="since"
            type="datetime-local"
            value={filters.since}
            onChange={(event) => setFilter('since', event.target.value)}
          />
        </label>
        <label>
          Search
          <input
            name="q"
            type="search"
            placeholder="run id or workflow"
            defaultValue={filters.q}
            onKeyDown={(event) => {
              if (event.key === 'Enter') setFilter('q', event.currentTarget.value);
            }}
            onBlur={(event) => setFilter('q', event.currentTarget.value)}
          />
        </label>
      </form>
      {page.error && <p className="error">{page.error.message}</p>}
      <RunTable runs={page.data?.runs ?? []} now={now} />
      <div className="pager">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          ← Newer
        </button>
        <span className="muted">Page {cursors.length + 1}</span>
        <button
          type="button"
          disabled={!page.data?.nextCursor}
          onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
        >
          Older →
        </button>
      </div>
    </section>
  );
}
