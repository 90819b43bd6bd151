import { createHmac, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { BatonError, type BatonEvent, type Engine, type Store } from '../core/index.js';
import type { DeliverySchema } from './api-schemas.js';

export type Delivery = (typeof DeliverySchema)['_output'];
export type WebhookEvent = Delivery['event'];

export interface WebhookOptions {
  urls: string[];
  /** The HMAC-SHA256 key the receivers verify signatures with. */
  secret: string;
  /** Deliveries per event and URL, the first included. Default 5. */
  attempts?: number;
  /** The wait before the first retry; it doubles for each one after. Default 1000 ms. */
  backoffMs?: number;
  /** A JSON-lines file every delivery attempt is appended to, so the log outlives the process. */
  logFile?: string;
}

/**
 * Posts `approval-requested`, `run-ended` and `run-failed` to the configured URLs, signed with
 * HMAC-SHA256 over `<timestamp>.<body>` in the `Baton-Signature: t=<timestamp>,v1=<hex>` header,
 * retried with exponential backoff on a network error or a non-2xx answer. Every attempt is
 * logged.
 */
export class WebhookSender {
  private readonly log: Delivery[] = [];
  private readonly unsubscribe: () => void;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private readonly engine: Engine;
  /** `runId:seq` of the events sent, so one the journal and a listener both bring goes out once. */
  private readonly sent = new Set<string>();
  /** How far `poll` has read each run's journal. */
  private readonly cursors = new Map<string, number>();
  private readonly startedAt = Date.now();

  constructor(
    engine: Engine,
    private readonly options: WebhookOptions,
    private readonly store?: Store,
  ) {
    // The log outlives restarts: the last entries of its file come back.
    if (options.logFile !== undefined && existsSync(options.logFile)) {
      const lines = readFileSync(options.logFile, 'utf8').split('\n').filter(Boolean).slice(-1000);
      for (const line of lines) this.log.push(JSON.parse(line) as Delivery);
    }
    this.unsubscribe = engine.subscribe((event) => this.sendOnce(event));
    this.engine = engine;
  }

  /**
   * Sends what other processes journaled since the last look (a run started with `baton run`
   * that waits for an approval, or ends): events are told apart by their journal seq, so each is
   * sent once whichever process ran it. History from before this server started is not news.
   */
  async poll(): Promise<void> {
    if (!this.store) return;
    const seen = new Set<string>();
    const runs = [
      ...(await this.store.listRuns({ status: 'waiting', limit: 500 })),
      ...(await this.store.listRuns({ limit: 200 })),
    ];
    for (const run of runs) {
      if (seen.has(run.id) || this.engine.services.active.has(run.id)) continue;
      seen.add(run.id);
      const last = await this.store.lastEventSeq(run.id);
      const cursor = this.cursors.get(run.id) ?? (run.createdAt >= this.startedAt ? 0 : last);
      this.cursors.set(run.id, last);
      if (last <= cursor) continue;
      for (const event of await this.store.readEvents(run.id, { after: cursor })) this.sendOnce(event);
    }
  }

  /** The delivery attempts, newest first (the most recent 1,000). */
  deliveries(): Delivery[] {
    return [...this.log].reverse();
  }

  /** Stops listening and waits for deliveries in flight (retries waiting are dropped). */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Sends the webhooks an event stands for, unless its journal seq was sent already. */
  private sendOnce(event: BatonEvent): void {
    const payloads = payloadsOf(event);
    if (payloads.length === 0) return;
    if ('seq' in event) {
      const key = `${event.runId}:${event.seq}`;
      if (this.sent.has(key)) return;
      this.sent.add(key);
      if (this.sent.size > 10_000) this.sent.delete(this.sent.values().next().value as string);
    }
    for (const [name, payload] of payloads) this.send(name, event.runId, payload);
  }

  private send(event: WebhookEvent, runId: string, data: Record<string, unknown>): void {
    const id = randomUUID();
    const body = JSON.stringify({ id, event, time: Date.now(), runId, data });
    for (const url of this.options.urls) {
      const delivery = this.deliver(id, event, runId, url, body).finally(() =>
        this.inFlight.delete(delivery),
      );
      this.inFlight.add(delivery);
    }
  }

  private async deliver(
    id: string,
    event: WebhookEvent,
    runId: string,
    url: string,
    body: string,
  ): Promise<void> {
    const attempts = this.options.attempts ?? 5;
    for (let attempt = 1; attempt <= attempts && !this.closed; attempt++) {
      const timestamp = String(Date.now());
      let statusCode: number | undefined;
      let error: string | undefined;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'baton-event': event,
            'baton-delivery': id,
            'baton-signature': `t=${timestamp},v1=${signWebhook(this.options.secret, timestamp, body)}`,
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        statusCode = response.status;
        await response.body?.cancel();
        if (!response.ok) error = `HTTP ${response.status}`;
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
      }
      const last = error === undefined || attempt === attempts;
      this.record({
        id,
        event,
        url,
        runId,
        attempt,
        status: error === undefined ? 'delivered' : last ? 'failed' : 'retrying',
        ...(statusCode === undefined ? {} : { statusCode }),
        ...(error === undefined ? {} : { error }),
        time: Date.now(),
      });
      if (error === undefined) return;
      if (!last) await delay((this.options.backoffMs ?? 1000) * 2 ** (attempt - 1));
    }
  }

  private record(delivery: Delivery): void {
    this.log.push(delivery);
    if (this.log.length > 1000) this.log.shift();
    if (this.options.logFile !== undefined)
      appendFileSync(this.options.logFile, `${JSON.stringify(delivery)}\n`);
  }
}

/** The hex HMAC-SHA256 of `<timestamp>.<body>`: what `Baton-Signature`'s `v1` carries. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * Webhook settings from the environment: `BATON_WEBHOOKS` (URLs separated by commas) and
 * `BATON_WEBHOOK_SECRET`; undefined when no URL is set.
 */
export function webhooksFromEnvironment(environment: NodeJS.ProcessEnv): WebhookOptions | undefined {
  const urls = (environment.BATON_WEBHOOKS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (urls.length === 0) return undefined;
  const secret = environment.BATON_WEBHOOK_SECRET;
  if (!secret) {
    throw new BatonError(
      'CONFIG_INVALID',
      'BATON_WEBHOOKS is set but BATON_WEBHOOK_SECRET is not: webhooks are always signed.',
      {
        hint: 'Set BATON_WEBHOOK_SECRET to a long random string the receivers also know.',
      },
    );
  }
  for (const url of urls) {
    if (!/^https?:\/\//.test(url)) {
      throw new BatonError('CONFIG_INVALID', `BATON_WEBHOOKS: "${url}" is not an http(s) URL.`, {
        hint: 'List full URLs separated by commas, such as https://example.com/hooks/baton.',
      });
    }
  }
  return { urls, secret };
}

/** The webhook events an engine event stands for, with their data. */
function payloadsOf(event: BatonEvent): Array<[WebhookEvent, Record<string, unknown>]> {
  if (event.type === 'approval-request') {
    const { type: _, runId: __, ...data } = event;
    return [['approval-requested', data]];
  }
  if (event.type !== 'run-end' || event.status === 'waiting' || event.status === 'running') return [];
  const { type: _, runId: __, ...data } = event;
  return event.status === 'failed'
    ? [
        ['run-ended', data],
        ['run-failed', data],
      ]
    : [['run-ended', data]];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
