import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../src/server/serve.js';
import { SqliteStore } from '../src/store/sqlite/index.js';
import { runFixture } from '../src/testing/store-fixtures.js';

const runCount = 10_000;
const chainLength = 300;

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

const format = (values: number[]) =>
  `p50 ${percentile(values, 0.5).toFixed(2)} ms, p95 ${percentile(values, 0.95).toFixed(2)} ms`;

/** A workflow that waits for an approval, then runs a chain of transforms. */
function approvalThenChain(): string {
  const steps = ['  - id: gate', '    kind: approval', '    subject: { go: true }'];
  for (let index = 0; index < chainLength; index++) {
    steps.push(
      `  - id: s${index}`,
      '    kind: transform',
      `    needs: [${index === 0 ? 'gate' : `s${index - 1}`}]`,
      `    value: '${index}'`,
    );
  }
  return `name: live\nsteps:\n${steps.join('\n')}\n`;
}

/**
 * The HTTP API's figures: the first page of the runs list over a journal of 10,000 runs (server
 * time, in process, and the round trip on loopback), and how long an event takes from the engine
 * to an SSE client on loopback.
 */
export default async function serverBench(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'baton-server-bench-'));
  const folder = join(directory, 'workflows');
  mkdirSync(folder);
  writeFileSync(join(folder, 'live.yaml'), approvalThenChain());
  const store = new SqliteStore(join(directory, 'baton.db'));
  const writes: Array<Promise<void>> = [];
  const now = Date.now();
  for (let index = 0; index < runCount; index++) {
    writes.push(
      store.createRun(
        runFixture({
          id: `run_${String(index).padStart(6, '0')}`,
          workflowName: index % 3 ? 'triage' : 'report',
          status: index % 7 ? 'succeeded' : 'failed',
          createdAt: now - (runCount - index) * 1000,
        }),
      ),
    );
  }
  await Promise.all(writes);
  const running = await startServer({ store, folder, port: 0, sweepIntervalMs: false });
  try {
    for (const [label, query] of [
      ['first page', '/api/runs?limit=50'],
      ['first page, one workflow', '/api/runs?limit=50&workflow=report'],
      ['first page, one status', '/api/runs?limit=50&status=failed'],
    ] as const) {
      const inProcess: number[] = [];
      const overHttp: number[] = [];
      let cursor = '';
      for (let index = 0; index < 60; index++) {
        let started = performance.now();
        const response = await running.server.fetch(new Request(`http://127.0.0.1${query}`));
        const body = (await response.json()) as { runs: unknown[]; nextCursor?: string };
        if (index >= 10) inProcess.push(performance.now() - started);
        if (body.runs.length !== 50) throw new Error(`bench page had ${body.runs.length} runs`);
        cursor = body.nextCursor ?? '';
        started = performance.now();
        await (await fetch(`${running.url}${query}`)).json();
        if (index >= 10) overHttp.push(performance.now() - started);
      }
      const deep: number[] = [];
      for (let index = 0; index < 20; index++) {
        const started = performance.now();
        const response = await running.server.fetch(new Request(`http://127.0.0.1${query}&cursor=${cursor}`));
        cursor = ((await response.json()) as { nextCursor?: string }).nextCursor ?? '';
        deep.push(performance.now() - started);
      }
      console.log(
        `runs list of ${runCount} runs, ${label}: server ${format(inProcess)} (goal p95 <= 100 ms); loopback round trip ${format(overHttp)}; the next 20 pages by cursor ${format(deep)}`,
      );
    }

    // Events: the run waits at its approval, the client connects, the approval lets the chain go.
    const started = (await (
      await fetch(`${running.url}/api/workflows/live/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { runId: string };
    const runId = started.runId;
    while ((await store.getRun(runId))?.status !== 'waiting')
      await new Promise((resolve) => setTimeout(resolve, 10));
    const emitted = new Map<number, number>();
    // The client follows from the journal's end: what it reads is what the approval sets off.
    const count = await store.lastEventSeq(runId);
    const stop = running.server.engine.subscribe((event) => {
      if (event.runId === runId && 'seq' in event) emitted.set(Number(event.seq), clock());
    });
    // The client is another process, as a browser is: in this one it would compete with the engine.
    const client = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      sseClientCode,
      `${running.url}/api/runs/${runId}/events?after=${count}`,
    ]);
    let output = '';
    client.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const reading = once(client, 'exit');
    while (!output.includes('connected')) await new Promise((resolve) => setTimeout(resolve, 10));
    // Connected is not yet following: give the server a moment to reach the journal's end.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await fetch(`${running.url}/api/runs/${runId}/approvals/gate/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await reading;
    stop();
    const latencies: number[] = [];
    for (const [, seq, at] of output.matchAll(/^(\d+) ([\d.]+)$/gm)) {
      const sent = emitted.get(Number(seq));
      if (sent !== undefined) latencies.push(Number(at) - sent);
    }
    console.log(
      `events engine -> SSE client on loopback, ${latencies.length} events of a ${chainLength}-step run: ${format(latencies)} (goal p95 <= 50 ms)`,
    );
  } finally {
    await running.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
const clock = () => performance.timeOrigin + performance.now();

/** Reads the stream to its `run-end`, then prints each event's id and the time it arrived. */
const sseClientCode = `
const response = await fetch(process.argv[1]);
console.log('connected');
const reader = response.body.getReader();
const decoder = new TextDecoder();
const lines = [];
let buffer = '';
for (;;) {
  const next = await reader.read();
  if (next.done) break;
  const at = performance.timeOrigin + performance.now();
  buffer += decoder.decode(next.value, { stream: true });
  let end = buffer.indexOf('\\n\\n');
  while (end >= 0) {
    const block = buffer.slice(0, end);
    const id = /^id: (\\d+)$/m.exec(block)?.[1];
    if (id !== undefined) lines.push(id + ' ' + at);
    if (/^event: run-end$/m.test(block)) process.stdout.write(lines.join('\\n') + '\\n', () => process.exit(0));
    buffer = buffer.slice(end + 2);
    end = buffer.indexOf('\\n\\n');
  }
}
`;
