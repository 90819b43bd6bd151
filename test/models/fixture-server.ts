import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A recorded exchange from `__fixtures__/<protocol>/<name>.json`. */
export interface Fixture {
  description?: string;
  request?: Record<string, unknown>;
  response: {
    status: number;
    headers?: Record<string, string>;
    /** A JSON body. */
    body?: unknown;
    /** A raw body, for answers that are not valid JSON. */
    text?: string;
    /** Server-sent events, each written followed by a blank line. */
    events?: string[];
    /** Milliseconds before the answer starts. */
    delayMs?: number;
    /** Milliseconds between two events, so the client reads them one by one. */
    eventDelayMs?: number;
    /** Drop the connection after the events instead of ending the response. */
    truncate?: boolean;
    /** Keep the connection open after the events, sending nothing more: a stalled stream. */
    hang?: boolean;
  };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type FixtureHandler = (request: RecordedRequest, index: number) => Fixture | string;

const fixtureDirectory = join(import.meta.dirname, '__fixtures__');

/** Reads `__fixtures__/<name>.json`, e.g. `openai/chat-text`. */
export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(fixtureDirectory, `${name}.json`), 'utf8')) as Fixture;
}

/**
 * A loopback HTTP server replaying recorded responses: a list (one per request, the last one
 * repeated) or a handler that picks one per request. Every request is recorded.
 */
export async function startFixtureServer(script: string[] | FixtureHandler) {
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();
  let hungUp = 0;
  let closing = false;
  const server = createServer(async (incoming, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request: RecordedRequest = {
      method: incoming.method ?? 'GET',
      url: incoming.url ?? '/',
      headers: incoming.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    const index = requests.push(request) - 1;
    const chosen =
      typeof script === 'function'
        ? script(request, index)
        : (script[Math.min(index, script.length - 1)] ?? '');
    const fixture = typeof chosen === 'string' ? loadFixture(chosen) : chosen;
    open.add(response);
    response.on('close', () => {
      open.delete(response);
      if (!response.writableEnded && !closing && !fixture.response.truncate) hungUp++;
    });
    await replay(fixture, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Answers the client closed before the server ended them. */
    get hungUp() {
      return hungUp;
    },
    async close() {
      closing = true;
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function replay({ response: recorded }: Fixture, response: ServerResponse): Promise<void> {
  if (recorded.delayMs) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, recorded.delayMs);
      // The client gave up (timeout): stop waiting so the server can close.
      response.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (response.destroyed) return;
  }
  response.writeHead(recorded.status, recorded.headers ?? {});
  if (recorded.events) {
    for (const event of recorded.events) {
      if (recorded.eventDelayMs) await new Promise((resolve) => setTimeout(resolve, recorded.eventDelayMs));
      if (response.destroyed) return;
      response.write(`${event}\n\n`);
    }
    if (recorded.hang) return;
    if (recorded.truncate) {
      // Let the events reach the client before the connection drops.
      await new Promise((resolve) => setTimeout(resolve, 20));
      response.destroy();
      return;
    }
    response.end();
    return;
  }
  response.end(recorded.text ?? JSON.stringify(recorded.body ?? {}));
}

/**
 * An OpenAI-style server that answers 429 (with `retry-after-ms`) to any request beyond `limit`
 * in the last `windowMs`, as it counts them on arrival, and answers the others (streamed when the
 * request asks for a stream); `arrivals` holds the accepted ones' times.
 */
export async function startRateLimitedServer(limit: number, windowMs: number) {
  const answer = loadFixture('openai/chat-text');
  const streamed = loadFixture('openai/chat-stream');
  const window: number[] = [];
  const arrivals: number[] = [];
  const stats = { accepted: 0, rejected: 0 };
  const server = await startFixtureServer((request): Fixture => {
    const now = performance.now();
    while (window.length > 0 && (window[0] ?? 0) <= now - windowMs) window.shift();
    if (window.length >= limit) {
      stats.rejected++;
      const waitMs = Math.ceil((window[0] ?? now) + windowMs - now);
      return {
        response: {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after-ms': String(waitMs) },
          body: {
            error: {
              message: 'Rate limit reached for requests',
              type: 'requests',
              code: 'rate_limit_exceeded',
            },
          },
        },
      };
    }
    window.push(now);
    arrivals.push(now);
    stats.accepted++;
    return (request.body as { stream?: boolean } | undefined)?.stream ? streamed : answer;
  });
  return { url: server.url, stats, arrivals, close: () => server.close() };
}
