/**
 * A value rendered for people rather than as JSON: objects as labelled fields, lists as lists,
 * text with its line breaks. Used for approval subjects and step outputs.
 */
export function ReadableValue({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">none</span>;
  if (typeof value === 'string') return <div className="text-value">{value}</div>;
  if (typeof value !== 'object') return <span className="scalar-value">{String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">empty list</span>;
    return (
      <ol className="list-value">
        {value.map((item, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: list items have no identity but their place.
          <li key={index}>
            <ReadableValue value={item} />
          </li>
        ))}
      </ol>
    );
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return <span className="muted">empty</span>;
  return (
    <dl className="object-value">
      {entries.map(([key, item]) => (
        <div key={key} className="field-row">
          <dt>{humanize(key)}</dt>
          <dd>
            <ReadableValue value={item} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function humanize(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function JsonBlock({ value, label }: { value: unknown; label?: string }) {
  if (value === undefined) return null;
  return (
    <pre className="json" data-label={label}>
      {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{status}</span>;
}

/** A journaled error: its code, its message, and the hint that says what to do. */
export function ErrorBox({ error }: { error: { code: string; message: string; hint?: unknown } }) {
  return (
    <div className="error-box">
      <strong>{error.code}</strong> {error.message}
      {typeof error.hint === 'string' && <div className="hint">{error.hint}</div>}
    </div>
  );
}
