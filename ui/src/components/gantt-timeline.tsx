import { formatDuration } from '../format.ts';
import type { AttemptBar } from '../run-timeline.ts';

/**
 * Every attempt of every step as a bar on one time axis, so what ran in parallel lines up and a
 * retried step shows each try. Running bars grow until `now`.
 */
export function GanttTimeline(props: {
  attempts: AttemptBar[];
  now: number;
  selected?: string | undefined;
  onSelect: (path: string) => void;
}) {
  const { attempts, now } = props;
  if (attempts.length === 0) return <p className="muted">No attempt yet.</p>;
  const start = Math.min(...attempts.map((bar) => bar.startedAt));
  const end = Math.max(...attempts.map((bar) => bar.endedAt ?? now), start + 1);
  const span = end - start;
  const rows = [...attempts].sort((a, b) => a.startedAt - b.startedAt || a.path.localeCompare(b.path));
  return (
    <div className="gantt">
      <div className="gantt-axis">
        <span>0</span>
        <span>{formatDuration(span / 2)}</span>
        <span>{formatDuration(span)}</span>
      </div>
      {rows.map((bar) => {
        const barEnd = bar.endedAt ?? now;
        const left = ((bar.startedAt - start) / span) * 100;
        const width = Math.max(0.4, ((barEnd - bar.startedAt) / span) * 100);
        return (
          <button
            type="button"
            key={`${bar.path}#${bar.attempt}:${bar.startedAt}`}
            className={`gantt-row${props.selected === bar.path ? ' selected' : ''}`}
            onClick={() => props.onSelect(bar.path)}
            data-path={bar.path}
          >
            <span className="gantt-label">
              {bar.path}
              {bar.attempt > 1 && <span className="muted"> try {bar.attempt}</span>}
            </span>
            <span className="gantt-track">
              <span
                className={`gantt-bar status-${bar.status}`}
                style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }}
                title={`${bar.path} attempt ${bar.attempt}: ${bar.status}, ${formatDuration(barEnd - bar.startedAt)}`}
              />
            </span>
            <span className="gantt-duration">{formatDuration(barEnd - bar.startedAt)}</span>
          </button>
        );
      })}
    </div>
  );
}
