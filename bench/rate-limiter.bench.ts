/**
 * Throughput of a provider's rate limiter against a server that enforces the same limit, counting
 * each request when it arrives and answering 429 past it. The server runs in its own process, as
 * a provider's does, and takes a fixed time to answer. 20 callers make calls back to back.
 * Goal: at every latency up to 20% of the window, throughput is at least 95% of the configured
 * limit, and the server sends no 429. Throughput is the sustained rate: the mean time the server
 * took to receive each run of `limit` requests, against the window.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { generateText } from 'ai';
import { createModelRegistry, RateLimiterPool } from '../src/models/index.js';

const windowMs = 5_000;
const limit = 50;
const windows = 6;
const callers = 20;

// The server: a sliding window over arrival times; `GET /stats` returns them and the 429 count.
const serverCode = `
import { createServer } from 'node:http';
const [windowMs, limit, latencyMs] = process.argv.slice(1).map(Number);
const arrivals = [];
const accepted = [];
let rejected = 0;
const answer = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 14, completion_tokens: 2, total_tokens: 16 },
});
const server = createServer((request, response) => {
  const now = performance.now();
  if (request.method === 'GET') {
    response.end(JSON.stringify({ accepted, rejected }));
    return;
  }
  while (arrivals.length > 0 && arrivals[0] <= now - windowMs) arrivals.shift();
  if (arrivals.length >= limit) {
    rejected++;
    response.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '1000' });
    response.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests' } }));
    return;
  }
  arrivals.push(now);
  accepted.push(now);
  request.resume();
  setTimeout(() => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(answer);
  }, latencyMs);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startServer(latencyMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', serverCode, String(windowMs), String(limit), String(latencyMs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, child };
}

async function measure(latencyMs: number) {
  const { url, child } = await startServer(latencyMs);
  try {
    const registry = createModelRegistry(
      {
        providers: {
          openai: {
            baseURL: `${url}/v1`,
            apiKey: 'sk-bench',
            retry: { maxRetries: 0 },
            rateLimit: { requestsPerMinute: limit, windowMs },
          },
        },
      },
      { env: {}, rateLimiters: new RateLimiterPool() },
    );
    const { model } = registry.resolve('openai:gpt-4o-mini', 'bench');
    const started = performance.now();
    let failed = 0;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() - started < windowMs * windows) {
          await generateText({ model, prompt: 'Capital of France?', maxRetries: 0 }).catch(() => {
            failed++;
          });
        }
      }),
    );
    const stats = (await (await fetch(`${url}/stats`)).json()) as { accepted: number[]; rejected: number };
    const gaps = stats.accepted.slice(limit).map((time, index) => time - (stats.accepted[index] ?? time));
    const meanGap = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    return { requests: stats.accepted.length, rejected: stats.rejected, failed, ratio: windowMs / meanGap };
  } finally {
    child.kill();
  }
}

export default async function (): Promise<void> {
  console.log(
    `${limit} requests per ${windowMs / 1_000} s window, ${callers} callers, ${windows} windows per latency; goal: ≥ 0.95 of the limit, 0 × 429`,
  );
  for (const latencyMs of [50, windowMs * 0.1, windowMs * 0.2]) {
    const result = await measure(latencyMs);
    const verdict = result.ratio >= 0.95 && result.rejected === 0 ? 'ok' : 'MISSED';
    console.log(
      `latency ${String(latencyMs).padStart(5)} ms (${((latencyMs / windowMs) * 100).toFixed(0)}% of the window): throughput ${result.ratio.toFixed(3)} of the limit, ${result.requests} requests, ${result.rejected} × 429, ${result.failed} failed  ${verdict}`,
    );
  }
}
