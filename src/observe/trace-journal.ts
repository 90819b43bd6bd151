import type { Link, Span } from '@opentelemetry/api';
import type { Store } from '../core/index.js';

/**
 * Journals this execution's trace and span id, and links the run span to the spans of earlier
 * executions (a resumed or approved run). Tracing never fails a run: a journal error is dropped.
 */
export async function linkEarlierExecutions(
  store: Pick<Store, 'listSubCalls' | 'writeSubCall'>,
  event: { runId: string; time: number },
  span: Span,
): Promise<void> {
  try {
    const earlier = (await store.listSubCalls(event.runId, '')).filter((call) => call.kind === 'trace');
    const links: Link[] = earlier.flatMap((call) => {
      const recorded = call.request as { traceId?: unknown; spanId?: unknown } | undefined;
      if (typeof recorded?.traceId !== 'string' || typeof recorded.spanId !== 'string') return [];
      return [
        {
          context: { traceId: recorded.traceId, spanId: recorded.spanId, traceFlags: 1, isRemote: true },
          attributes: { 'baton.link': 'earlier-execution' },
        },
      ];
    });
    if (links.length > 0) span.addLinks(links);
    const { traceId, spanId } = span.spanContext();
    await store.writeSubCall({
      runId: event.runId,
      path: '',
      sequence: Math.max(0, ...earlier.map((call) => call.sequence)) + 1,
      kind: 'trace',
      request: { traceId, spanId },
      createdAt: event.time,
    });
  } catch {
    // The run goes on untraced across executions rather than failing on its telemetry.
  }
}
