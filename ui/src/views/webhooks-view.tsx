import type { WebhookDelivery } from '../api-types.ts';
import { formatTime } from '../format.ts';
import { Link } from '../router.tsx';
import { useFetch } from '../use-fetch.ts';

const badgeOf: Record<WebhookDelivery['status'], string> = {
  delivered: 'succeeded',
  retrying: 'waiting',
  failed: 'failed',
};

/** The webhook delivery log: each event sent, where, how it was answered, and the retries. */
export function WebhooksView() {
  const log = useFetch<{ deliveries: WebhookDelivery[] }>('/api/webhooks/deliveries', 5000);
  const deliveries = log.data?.deliveries ?? [];
  return (
    <section className="panel">
      <h1>Webhook deliveries</h1>
      {log.error && <p className="error">{log.error.message}</p>}
      {log.data && deliveries.length === 0 && <p className="muted">No delivery yet.</p>}
      {deliveries.length > 0 && (
        <table className="runs">
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Run</th>
              <th>URL</th>
              <th className="number">Attempt</th>
              <th>Status</th>
              <th>Answer</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => (
              <tr key={`${delivery.id}:${delivery.attempt}`}>
                <td>{formatTime(delivery.time)}</td>
                <td>{delivery.event}</td>
                <td>
                  <Link to={`/runs/${encodeURIComponent(delivery.runId)}`}>
                    {delivery.runId.slice(0, 12)}
                  </Link>
                </td>
                <td>{delivery.url}</td>
                <td className="number">{delivery.attempt}</td>
                <td>
                  <span className={`badge status-${badgeOf[delivery.status]}`}>{delivery.status}</span>
                </td>
                <td>
                  {delivery.statusCode ?? ''} {delivery.error ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
