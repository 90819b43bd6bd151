import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { makeWorkspace, runCli, runResultOf } from '../cli/cli-harness.js';
import { dropTestStore, postgresUrl } from './postgres-fixture.js';

const schema = `baton_test_cli_${process.pid}`;
const db = `${postgresUrl}?schema=${schema}`;

afterAll(async () => {
  await dropTestStore(await PostgresStore.open({ connectionString: postgresUrl, schema }));
});

const workflow = `
name: two-steps
steps:
  - { id: first, kind: transform, value: '"one"' }
  - { id: second, kind: transform, value: 'steps.first & " two"' }
`;

describe('the CLI on a PostgreSQL journal', () => {
  it('runs a workflow with --db postgres://… and lists it from another process', async () => {
    const cwd = makeWorkspace({ 'flow.yaml': workflow });
    const ran = await runCli(['run', 'flow.yaml', '--db', db, '--json'], { cwd });
    expect(ran.code).toBe(0);
    const result = runResultOf(ran.stdout) as { runId: string; output: unknown };
    expect(result.output).toEqual({ first: 'one', second: 'one two' });
    const listed = await runCli(['runs', '--db', db, '--json'], { cwd });
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id: result.runId, status: 'succeeded' }]);
  }, 60_000);
});
