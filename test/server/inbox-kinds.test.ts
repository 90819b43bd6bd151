import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedModel } from '../../src/testing/index.js';
import { call } from './api-client.js';
import { testServer } from './server-fixture.js';

type Fixture = Awaited<ReturnType<typeof testServer>>;

const gatedYaml = `name: gated
module: ./gated-tools.mjs
steps:
  - id: agent
    kind: agent
    prompt: Add seven.
    tools: [add]
    maxIterations: 4
    approve: { add: {} }
`;

const gatedTools = `
export const added = [];
export const tools = {
  add: {
    inputSchema: { type: 'object', properties: { by: { type: 'number' } }, required: ['by'] },
    execute: ({ by }) => { added.push(by); return { added: by }; },
  },
};
`;

const askYaml = `name: ask
module: ./ask.mjs
steps:
  - { id: setup, kind: transform, value: { function: setup } }
`;

const askModule = `
export const functions = {
  setup: async (_scope, ctx) => ({ seats: await ctx.interrupt({ key: 'seats', prompt: 'How many seats?' }) }),
};
`;

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 500 && !(await check()); tries++)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the inbox holds gated tool calls and questions too', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    const model = createScriptedModel([{ toolCalls: [{ toolName: 'add', input: { by: 7 } }] }, 'Done.']);
    fixture = await testServer({ engine: { models: { default: model } } });
    writeFileSync(join(fixture.folder, 'gated.yaml'), gatedYaml);
    writeFileSync(join(fixture.folder, 'gated-tools.mjs'), gatedTools);
    writeFileSync(join(fixture.folder, 'ask.yaml'), askYaml);
    writeFileSync(join(fixture.folder, 'ask.mjs'), askModule);
    await fixture.server.catalog.reload();
  });
  afterAll(() => fixture.close());

  it('lists a gated tool call with its arguments and the tool’s schema, refuses a bad edit with 422, runs the edited call', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/gated/runs', { body: {} });
    await until(async () => (await fixture.store.getRun(body.runId))?.status === 'waiting');
    const inbox = (await call(fixture.server, 'GET', '/api/approvals')).body.approvals;
    const item = inbox.find((pending: { runId: string }) => pending.runId === body.runId);
    expect(item).toMatchObject({
      kind: 'tool-call',
      path: 'agent',
      subject: { tool: 'add', args: { by: 7 } },
      schema: { required: ['by'] },
    });
    const path = `/api/runs/${body.runId}/approvals/agent/approve`;
    const bad = await call(fixture.server, 'POST', path, {
      body: { call: item.call, edit: { by: 'seven' } },
    });
    expect(bad.status).toBe(422);
    const good = await call(fixture.server, 'POST', path, { body: { call: item.call, edit: { by: 3 } } });
    expect(good.status).toBe(200);
    await until(
      async () => !['waiting', 'running'].includes((await fixture.store.getRun(body.runId))?.status ?? ''),
    );
    const run = await fixture.store.getRun(body.runId);
    expect(run?.status).toBe('succeeded');
    const calls = await fixture.store.listSubCalls(body.runId, 'agent');
    expect(JSON.stringify(calls)).toContain('"added":3');
  });

  it('lists a question asked with ctx.interrupt; approving answers it, rejecting is refused', async () => {
    const { body } = await call(fixture.server, 'POST', '/api/workflows/ask/runs', { body: {} });
    await until(async () => (await fixture.store.getRun(body.runId))?.status === 'waiting');
    const inbox = (await call(fixture.server, 'GET', '/api/approvals')).body.approvals;
    expect(inbox.find((pending: { runId: string }) => pending.runId === body.runId)).toMatchObject({
      kind: 'question',
      path: 'setup',
      key: 'seats',
      subject: 'How many seats?',
    });
    const path = `/api/runs/${body.runId}/approvals/setup`;
    expect((await call(fixture.server, 'POST', `${path}/reject`, { body: { reason: 'no' } })).status).toBe(
      409,
    );
    expect((await call(fixture.server, 'POST', `${path}/approve`, { body: { edit: 4 } })).status).toBe(200);
    await until(async () => (await fixture.store.getRun(body.runId))?.status === 'succeeded');
    expect((await fixture.store.getRun(body.runId))?.output).toMatchObject({ setup: { seats: 4 } });
  });
});
