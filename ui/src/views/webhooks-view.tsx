import type { WebhookDelivery } from '../api-types.ts';
import { JsonBlock } from '../components/readable-value.tsx';
import { formatTime } from '../format.ts';
import { useFetch } from '../use-fetch.ts';

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
              <th>URL</th>
              <th>Status</th>
              <th className="number">Attempts</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery, index) => (
              <tr key={String(delivery.id ?? index)}>
                <td>{formatTime(typeof delivery.createdAt === 'number' ? delivery.createdAt : undefined)}</td>
                <td>{String(delivery.event ?? '')}</td>
                <td>{String(delivery.url ?? '')}</td>
                <td>{String(delivery.status ?? '')}</td>
                <td className="number">{String(delivery.attempts ?? '')}</td>
                <td>
                  <details>
                    <summary>all fields</summary>
                    <JsonBlock value={delivery} />
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
