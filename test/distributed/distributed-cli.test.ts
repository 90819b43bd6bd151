import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { makeWorkspace, runCli, startCli } from '../cli/cli-harness.js';
import { dropSchema, dropTestStore, postgresUrl } from '../store/postgres-fixture.js';

// A journal and queue per test, so what one leaves behind is not another's work.
const schemas: string[] = [];
function journal(): string {
  const schema = `baton_test_workers_cli_${process.pid}_${schemas.length}`;
  schemas.push(schema);
  return `${postgresUrl}?schema=${schema}&queue-schema=${schema}_queue`;
}

afterAll(async () => {
  for (const schema of schemas) {
    await dropTestStore(await PostgresStore.open({ connectionString: postgresUrl, schema }));
    await dropSchema(`${schema}_queue`);
  }
});

const workflow = `
name: reviewed
steps:
  - { id: draft, kind: transform, value: '"a draft of " & input.topic' }
  - { id: review, kind: approval, subject: { text: '{{ steps.draft }}' }, needs: [draft] }
  - { id: publish, kind: transform, value: '"published: " & steps.review.text', needs: [review] }
`;

describe('baton worker', () => {
  it('runs detached runs on worker processes, with approvals decided from the CLI, and stops on SIGTERM', async () => {
    const db = journal();
    const cwd = makeWorkspace({ 'reviewed.yaml': workflow });
    const workers = [0, 1].map(() =>
      startCli(['worker', 'reviewed.yaml', '--db', db, '--concurrency', '2', '--health-interval', '1'], {
        cwd,
      }),
    );
    await Promise.all(workers.map((worker) => worker.waitForOutput('"state":"running"')));
    const started = await runCli(
      ['run', 'reviewed.yaml', '--db', db, '--detach', '--input', 'topic=tides', '--json'],
      {
        cwd,
      },
    );
    expect(started.code).toBe(0);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    const shown = async () =>
      (
        JSON.parse((await runCli(['show', runId, '--db', db, '--json'], { cwd })).stdout) as {
          run: { status: string };
        }
      ).run;
    for (let tries = 0; (await shown()).status !== 'waiting'; tries++) {
      expect(tries).toBeLessThan(30);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const approved = await runCli(['approve', runId, 'review', '--db', db, '--by', 'ops', '--json'], { cwd });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ runId, status: 'running', queued: ['review'] });
    for (let tries = 0; (await shown()).status !== 'succeeded'; tries++) {
      expect(tries).toBeLessThan(30);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const listed = await runCli(['workers', '--db', db, '--json'], { cwd });
    const overview = JSON.parse(listed.stdout) as { workers: Array<{ live: boolean; committed: number }> };
    expect(overview.workers).toHaveLength(2);
    expect(overview.workers.every((worker) => worker.live)).toBe(true);
    for (const worker of workers) worker.child.kill('SIGTERM');
    const ended = await Promise.all(workers.map((worker) => worker.exited));
    expect(ended.map((result) => result.code)).toEqual([0, 0]);
    const last = ended.map((result) => JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}'));
    expect(last.map((line) => line.worker.state)).toEqual(['stopped', 'stopped']);
    // Draft, the approval twice (asked, then decided) and publish: four commits between the two workers.
    expect(last.reduce((sum, line) => sum + line.worker.committed, 0)).toBe(4);
  }, 120_000);

  it('serves the API with --workers: runs started and approved over HTTP run on a worker process', async () => {
    const db = journal();
    const cwd = makeWorkspace({ 'reviewed.yaml': workflow });
    const server = startCli(['serve', '.', '--db', db, '--workers', '--port', '0', '--json'], { cwd });
    const worker = startCli(['worker', 'reviewed.yaml', '--db', db, '--health-interval', '1'], { cwd });
    try {
      await server.waitForOutput(/"url"/);
      const served = JSON.parse(server.stdout()) as { url: string; runsOn: string; journal: string };
      expect(served.runsOn).toBe('workers');
      await worker.waitForOutput('"state":"running"');
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${served.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as { runId: string } };
      };
      const started = await post('/api/workflows/reviewed/runs', { input: { topic: 'tides' } });
      expect(started.status).toBe(201);
      const { runId } = started.body;
      const status = async () =>
        ((await (await fetch(`${served.url}/api/runs/${runId}`)).json()) as { status: string }).status;
      for (let tries = 0; (await status()) !== 'waiting'; tries++) {
        expect(tries).toBeLessThan(100);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await post(`/api/runs/${runId}/approvals/review/approve`, {})).status).toBe(200);
      for (let tries = 0; (await status()) !== 'succeeded'; tries++) {
        expect(tries).toBeLessThan(100);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const run = (await (await fetch(`${served.url}/api/runs/${runId}`)).json()) as { output: unknown };
      expect(run.output).toMatchObject({ publish: 'published: a draft of tides' });
    } finally {
      for (const child of [server, worker]) child.child.kill('SIGTERM');
    }
    const [serverEnd, workerEnd] = await Promise.all([server.exited, worker.exited]);
    expect(serverEnd.code).toBe(0);
    expect(workerEnd.code).toBe(0);
    // The worker committed every step: draft, the approval asked and decided, publish.
    const last = JSON.parse(workerEnd.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(last.worker.committed).toBe(4);
  }, 120_000);

  it('refuses serve --workers without a PostgreSQL journal, and --queue without --workers', async () => {
    const cwd = makeWorkspace({ 'reviewed.yaml': workflow });
    const local = await runCli(['serve', '.', '--workers', '--port', '0'], { cwd });
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--workers needs a PostgreSQL journal');
    const queue = await runCli(['serve', '.', '--queue', 'urgent', '--port', '0'], { cwd });
    expect(queue.code).toBe(2);
    expect(queue.stderr).toContain('--queue names the queue of --workers');
  }, 60_000);

  it('refuses --detach without a PostgreSQL journal', async () => {
    const cwd = makeWorkspace({ 'reviewed.yaml': workflow });
    const result = await runCli(['run', 'reviewed.yaml', '--detach'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--detach needs a PostgreSQL journal');
  }, 60_000);
});
