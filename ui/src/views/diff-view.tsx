import { useEffect, useState } from 'react';
import type { RunDetail, StepRecord } from '../api-types.ts';
import { StatusBadge } from '../components/readable-value.tsx';
import { formatCost, formatDuration, formatJson, formatSigned, totalTokens } from '../format.ts';
import { type DiffLine, diffLines } from '../line-diff.ts';
import { Link } from '../router.tsx';
import { isTerminal } from '../run-timeline.ts';
import { useFetch } from '../use-fetch.ts';

/** Two runs side by side, step by step: outputs with changed lines marked, and what each step cost more or less. */
export function DiffView({ baseId, forkId }: { baseId: string; forkId: string }) {
  const base = useFetch<RunDetail>(`/api/runs/${encodeURIComponent(baseId)}`);
  // The fork is asked for again every second until it ends.
  const [forkEnded, setForkEnded] = useState(false);
  const forkPoll = useFetch<RunDetail>(
    `/api/runs/${encodeURIComponent(forkId)}`,
    forkEnded ? undefined : 1000,
  );
  const fork = forkPoll.data;
  useEffect(() => {
    if (fork && isTerminal(fork.status)) setForkEnded(true);
  }, [fork]);
  if (base.error || forkPoll.error)
    return <section className="panel error">{(base.error ?? forkPoll.error)?.message}</section>;
  if (!base.data || !fork) return <section className="panel muted">Loading…</section>;
  const left = new Map(base.data.steps.map((step) => [step.path, step]));
  const right = new Map(fork.steps.map((step) => [step.path, step]));
  const paths = [...new Set([...left.keys(), ...right.keys()])];
  const totals = {
    tokens: totalTokens(fork.usage) - totalTokens(base.data.usage),
    cost: fork.costUsd - base.data.costUsd,
    duration: (fork.durationMs ?? 0) - (base.data.durationMs ?? 0),
  };
  return (
    <section className="panel diff-view" data-fork-status={fork.status}>
      <h1>Fork and diff</h1>
      <div className="diff-header">
        <div>
          <Link to={`/runs/${encodeURIComponent(baseId)}`}>{baseId.slice(0, 12)}</Link>{' '}
          <StatusBadge status={base.data.status} />
        </div>
        <div>
          <Link to={`/runs/${encodeURIComponent(forkId)}`}>{forkId.slice(0, 12)}</Link>{' '}
          <StatusBadge status={fork.status} />
          {!isTerminal(fork.status) && <span className="muted"> running…</span>}
        </div>
      </div>
      <p className="totals">
        Whole run: tokens {formatSigned(totals.tokens, (value) => value.toLocaleString())}, cost{' '}
        {formatSigned(totals.cost, formatCost)}, duration {formatSigned(totals.duration, formatDuration)}
      </p>
      {paths.map((path) => (
        <StepDiff key={path} path={path} before={left.get(path)} after={right.get(path)} />
      ))}
    </section>
  );
}

function StepDiff({
  path,
  before,
  after,
}: {
  path: string;
  before?: StepRecord | undefined;
  after?: StepRecord | undefined;
}) {
  const beforeText = formatJson(before?.output);
  const afterText = formatJson(after?.output);
  const same = beforeText === afterText;
  const { left, right } = diffLines(beforeText, afterText);
  const duration = (step?: StepRecord) =>
    step?.startedAt !== undefined && step.endedAt !== undefined ? step.endedAt - step.startedAt : 0;
  return (
    <article className={`step-diff${same ? ' same' : ' changed'}`} data-path={path} data-changed={!same}>
      <header>
        <code>{path}</code>{' '}
        {same ? <span className="badge">same output</span> : <span className="badge changed">changed</span>}
        {after?.cached && <span className="muted small"> reused</span>}
        <span className="deltas small">
          tokens{' '}
          {formatSigned(totalTokens(after?.usage) - totalTokens(before?.usage), (value) =>
            value.toLocaleString(),
          )}{' '}
          · cost {formatSigned((after?.costUsd ?? 0) - (before?.costUsd ?? 0), formatCost)} · duration{' '}
          {formatSigned(duration(after) - duration(before), formatDuration)}
        </span>
      </header>
      {!same && (
        <div className="side-by-side">
          <DiffSide lines={left} status={before?.status} label="before" />
          <DiffSide lines={right} status={after?.status} label="after" />
        </div>
      )}
    </article>
  );
}

function DiffSide({
  lines,
  status,
  label,
}: {
  lines: DiffLine[];
  status: string | undefined;
  label: string;
}) {
  return (
    <div className="diff-side" data-side={label}>
      {status ? <StatusBadge status={status} /> : <span className="muted">not run</span>}
      <pre>
        {lines.map((line, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional.
          <div key={index} className={`line ${line.change}`}>
            {line.text || ' '}
          </div>
        ))}
      </pre>
    </div>
  );
}
