import { useState } from 'react';
import { allows, failureOf, post } from '../api.ts';
import type { Problem, WorkflowDetail, WorkflowListing } from '../api-types.ts';
import { useMe } from '../app.tsx';
import { ReadableValue } from '../components/readable-value.tsx';
import { SchemaForm } from '../components/schema-form.tsx';
import { WorkflowGraphView } from '../components/workflow-graph.tsx';
import { Link, navigate } from '../router.tsx';
import { useFetch } from '../use-fetch.ts';
import { RunTable } from './run-table.tsx';

/** The workflows the server loaded, and for one of them its graph, input form and last runs. */
export function WorkflowsView({ name }: { name?: string | undefined }) {
  const list = useFetch<{ workflows: WorkflowListing[] }>('/api/workflows');
  const workflows = list.data?.workflows ?? [];
  const selected = name ?? workflows.find((workflow) => workflow.valid)?.name;
  return (
    <div className="split">
      <aside className="sidebar">
        <h2>Workflows</h2>
        {list.error && <p className="error">{list.error.message}</p>}
        <ul className="workflow-list">
          {workflows.map((workflow) => (
            <li key={workflow.name} className={workflow.name === selected ? 'current' : ''}>
              <Link to={`/workflows/${encodeURIComponent(workflow.name)}`}>
                <strong>{workflow.name}</strong>
              </Link>
              <span className="muted"> {workflow.steps} steps</span>
              {!workflow.valid && <span className="badge status-failed">invalid</span>}
              {workflow.description && <div className="muted small">{workflow.description}</div>}
              {workflow.problems && workflow.problems.length > 0 && (
                <ul className="problems">
                  {workflow.problems.map((problem) => (
                    <li key={`${String(problem.path)}:${problem.message}`}>{problem.message}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      </aside>
      {selected ? <WorkflowPanel key={selected} name={selected} /> : <p className="muted">No workflow.</p>}
    </div>
  );
}

function WorkflowPanel({ name }: { name: string }) {
  const detail = useFetch<WorkflowDetail>(`/api/workflows/${encodeURIComponent(name)}`);
  const me = useMe();
  const [input, setInput] = useState<unknown>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState<string>();
  const [starting, setStarting] = useState(false);
  if (detail.error) return <section className="panel error">{detail.error.message}</section>;
  const workflow = detail.data;
  if (!workflow) return <section className="panel muted">Loading…</section>;
  const start = async () => {
    setStarting(true);
    setMessage(undefined);
    try {
      const { runId } = await post<{ runId: string }>(`/api/workflows/${encodeURIComponent(name)}/runs`, {
        input,
      });
      navigate(`/runs/${encodeURIComponent(runId)}`);
    } catch (error) {
      const failure = failureOf(error);
      setProblems(failure?.problems ?? []);
      setMessage(failure?.message ?? String(error));
    } finally {
      setStarting(false);
    }
  };
  return (
    <section className="panel workflow-panel">
      <h1>{workflow.name}</h1>
      {workflow.definition.description && <p>{workflow.definition.description}</p>}
      <p className="muted small">{workflow.file}</p>
      <WorkflowGraphView graph={workflow.graph} definition={workflow.definition} />
      <div className="columns">
        <form
          className="start-form"
          onSubmit={(event) => {
            event.preventDefault();
            void start();
          }}
        >
          <h2>Input</h2>
          <SchemaForm
            name="input"
            schema={workflow.inputSchema}
            value={input}
            onChange={setInput}
            problems={problems}
          />
          {message && (
            <p className="error" role="alert">
              {message}
            </p>
          )}
          <button type="submit" disabled={starting || !allows(me?.role, 'operator')}>
            {starting ? 'Starting…' : 'Start run'}
          </button>
          {!allows(me?.role, 'operator') && (
            <p className="muted small">Starting a run needs the operator role.</p>
          )}
        </form>
        <div>
          <h2>Last runs</h2>
          <RunTable runs={workflow.runs} />
          <p>
            <Link to={`/runs?workflow=${encodeURIComponent(workflow.name)}`}>
              All runs of {workflow.name}
            </Link>
          </p>
          <details>
            <summary>Definition</summary>
            <ReadableValue value={workflow.definition} />
          </details>
        </div>
      </div>
    </section>
  );
}
