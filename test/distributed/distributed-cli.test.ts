import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { makeWorkspace, runCli, startCli } from '../cli/cli-harness.js';
import { dropSchema, dropTestStore, postgresUrl } from '../store/postgres-fixture.js';

const schema = `baton_test_workers_cli_${process.pid}`;
const queueSchema = `${schema}_queue`;
const db = `${postgresUrl}?schema=${schema}&queue-schema=${queueSchema}`;

afterAll(async () => {
  await dropTestStore(await PostgresStore.open({ connectionString: postgresUrl, schema }));
  await dropSchema(queueSchema);
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

  it('refuses --detach without a PostgreSQL journal', async () => {
    const cwd = makeWorkspace({ 'reviewed.yaml': workflow });
    const result = await runCli(['run', 'reviewed.yaml', '--detach'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--detach needs a PostgreSQL journal');
  }, 60_000);
});
