import { useState } from 'react';
import { encodeStepPath } from '../api.ts';
import type { RunDetail, RunEvent, StepDetail, StepRecord } from '../api-types.ts';
import { ErrorBox, JsonBlock, StatusBadge } from '../components/readable-value.tsx';
import { findStepDefinition } from '../definition.ts';
import { formatCost, formatDuration, formatTime, formatTokens } from '../format.ts';
import { useFetch } from '../use-fetch.ts';
import { ForkForm } from './fork-form.tsx';

/**
 * One step instance: its input and output, the prompt it was given, the text it streams while it
 * runs, its attempts with their errors and hints, its model and tool calls, tokens and cost; and,
 * for a finished run, the form that forks the run from this step.
 */
export function StepPanel(props: {
  run: RunDetail;
  step: StepRecord;
  streaming: string | undefined;
  /** The step's model and tool call events. */
  calls: RunEvent[];
  canFork: boolean;
  onClose: () => void;
}) {
  const { run, step } = props;
  // Asked again whenever the step changes state, so the output appears when it ends.
  const detail = useFetch<StepDetail>(
    `/api/runs/${encodeURIComponent(run.id)}/steps/${encodeStepPath(step.path)}?v=${step.status}-${step.attempt}`,
  );
  const record = detail.data?.step ?? step;
  const definition = findStepDefinition(run.definition.steps, step.stepId);
  const [forking, setForking] = useState(false);
  // A model step's input is what it sent: the rendered prompt, and messages when it had some.
  const sent =
    typeof record.input === 'object' && record.input !== null
      ? (record.input as { messages?: unknown })
      : undefined;
  return (
    <aside className="step-panel" aria-label={`Step ${step.path}`}>
      <div className="step-panel-header">
        <h2>{step.path}</h2>
        <StatusBadge status={step.status} />
        <button type="button" className="link-button" onClick={props.onClose} aria-label="Close step">
          ✕
        </button>
      </div>
      <dl className="facts">
        <div>
          <dt>Kind</dt>
          <dd>{record.kind}</dd>
        </div>
        {record.model && (
          <div>
            <dt>Model</dt>
            <dd>{record.model}</dd>
          </div>
        )}
        <div>
          <dt>Attempt</dt>
          <dd>{record.attempt}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>
            {formatDuration(
              record.startedAt !== undefined && record.endedAt !== undefined
                ? record.endedAt - record.startedAt
                : undefined,
            )}
          </dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>{formatTokens(record.usage)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatCost(record.costUsd)}</dd>
        </div>
      </dl>
      {record.note && <p className="note">{record.note}</p>}
      {props.canFork && !forking && (
        <button type="button" onClick={() => setForking(true)}>
          Fork from this step…
        </button>
      )}
      {forking && (
        <ForkForm
          run={run}
          step={record}
          definitionModel={definition?.model}
          definitionPrompt={definition?.prompt}
          onCancel={() => setForking(false)}
        />
      )}
      {(step.status === 'running' || props.streaming) && (
        <section>
          <h3>Streaming</h3>
          <pre className="streaming" aria-live="polite" data-streaming={step.path}>
            {props.streaming ?? ''}
            {step.status === 'running' && <span className="cursor">▍</span>}
          </pre>
        </section>
      )}
      {record.error && <ErrorBox error={record.error} />}
      <section>
        <h3>Input</h3>
        {record.input === undefined ? (
          <p className="muted">—</p>
        ) : (
          <JsonBlock value={record.input} label="step input" />
        )}
      </section>
      <section>
        <h3>Output</h3>
        {record.output === undefined ? (
          <p className="muted">—</p>
        ) : (
          <JsonBlock value={record.output} label="step output" />
        )}
      </section>
      {definition && (definition.prompt !== undefined || definition.system !== undefined) && (
        <section>
          <h3>Prompt</h3>
          {definition.system !== undefined && <JsonBlock value={definition.system} label="system prompt" />}
          <JsonBlock value={definition.prompt} label="prompt template" />
          {sent?.messages !== undefined && (
            <>
              <h4>Messages</h4>
              <JsonBlock value={sent.messages} label="messages" />
            </>
          )}
        </section>
      )}
      <section>
        <h3>Attempts</h3>
        {(detail.data?.attempts ?? []).length === 0 && <p className="muted">—</p>}
        <ol className="attempts">
          {(detail.data?.attempts ?? []).map((attempt) => (
            <li key={attempt.attempt}>
              <StatusBadge status={attempt.status} /> attempt {attempt.attempt},{' '}
              {formatTime(attempt.startedAt)},{' '}
              {formatDuration(
                attempt.endedAt === undefined ? undefined : attempt.endedAt - attempt.startedAt,
              )}
              {attempt.error && <ErrorBox error={attempt.error} />}
            </li>
          ))}
        </ol>
      </section>
      <section>
        <h3>Model and tool calls</h3>
        {(detail.data?.calls ?? []).length === 0 && props.calls.length === 0 && <p className="muted">—</p>}
        {props.calls.length > 0 && (
          <ol className="call-events">
            {props.calls.map((event) => (
              <li key={`${event.seq ?? event.time}:${event.type}`} data-call={event.type}>
                <CallEvent event={event} />
              </li>
            ))}
          </ol>
        )}
        {(detail.data?.calls ?? []).map((call) => (
          <details key={call.sequence} className="call">
            <summary>
              #{call.sequence} {call.kind}
              {call.name ? ` · ${call.name}` : ''}{' '}
              <span className="muted small">{formatTime(call.createdAt)}</span>
            </summary>
            {call.request !== undefined && (
              <>
                <h4>Request (prompt and messages)</h4>
                <JsonBlock value={call.request} />
              </>
            )}
            {call.response !== undefined && (
              <>
                <h4>Response</h4>
                <JsonBlock value={call.response} />
              </>
            )}
          </details>
        ))}
      </section>
    </aside>
  );
}

/** One model or tool call event in a line: what was called, how long it took, tokens and cost. */
function CallEvent({ event }: { event: RunEvent }) {
  switch (event.type) {
    case 'model-call':
      return (
        <>
          <strong>{String(event.model)}</strong> {formatDuration(event.durationMs)} ·{' '}
          {formatTokens(event.usage)} · {formatCost(event.costUsd)}
          {event.cached === true && <span className="muted"> · from the cache</span>}
          {typeof event.finishReason === 'string' && <span className="muted"> · {event.finishReason}</span>}
        </>
      );
    case 'model-retry':
      return (
        <span className="error">
          {String(event.model)} retry {String(event.retry)} after {formatDuration(Number(event.delayMs))}:{' '}
          {event.error?.message}
        </span>
      );
    case 'model-fallback':
      return (
        <span className="error">
          fell back from {String(event.from)} to {String(event.to)}: {event.error?.message}
        </span>
      );
    case 'tool-call':
      return (
        <>
          tool <strong>{String(event.tool)}</strong> #{String(event.sequence)}{' '}
          <JsonBlock value={event.input} />
        </>
      );
    default:
      return (
        <>
          tool <strong>{String(event.tool)}</strong> #{String(event.sequence)} answered{' '}
          {event.error ? (
            <span className="error">{event.error.message}</span>
          ) : (
            <JsonBlock value={event.output} />
          )}
        </>
      );
  }
}
