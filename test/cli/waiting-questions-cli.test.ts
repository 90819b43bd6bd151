import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runBuiltCli } from './built-cli-tsx.js';
import { type ChatRequest, startChatServer } from './chat-server.js';
import { makeWorkspace, runIdOf } from './cli-harness.js';

// Questions asked with ctx.interrupt, by a code step and by a tool an agent called, through the
// built CLI: `baton runs` lists them with the command that answers, like approvals and gated calls.

beforeAll(() => buildCli(), 120_000);

let server: Awaited<ReturnType<typeof startChatServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const workflow = `name: ask
module: ./ask.mjs
steps:
  - { id: seats, kind: transform, value: { function: seats } }
  - id: refund
    kind: agent
    model: smart
    prompt: Refund order A-1
    tools: [refund]
    maxIterations: 4
`;

// The temp directory has no node_modules: a schema is anything with Zod's safeParse.
const module = `
import { appendFileSync } from 'node:fs';
const upTo = (limit) => ({
  safeParse: (value) =>
    typeof value === 'number' && value <= limit
      ? { success: true, data: value }
      : { success: false, error: { issues: [{ path: [], message: 'at most ' + limit }] } },
});
export const functions = {
  seats: async (_scope, ctx) => ctx.interrupt({ key: 'seats', prompt: 'How many seats?', schema: upTo(10) }),
};
export const tools = {
  refund: {
    description: 'Refund an order',
    inputSchema: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
    execute: async ({ order }, ctx) => {
      await ctx.once('charge', () => appendFileSync('charges.log', order + '\\n'));
      const amount = await ctx.interrupt({ key: 'amount', prompt: 'Refund how much for ' + order + '?', schema: upTo(100) });
      return { order, amount };
    },
  },
};
`;

const lastToolResult = (request: ChatRequest) =>
  request.messages.findLast((message) => message.role === 'tool')?.content ?? undefined;

describe('waiting questions, through the built CLI', { timeout: 180_000 }, () => {
  it('lists each waiting question in baton runs with the command that answers it', async () => {
    server = await startChatServer((request) => {
      const result = lastToolResult(request);
      return result === undefined
        ? { toolCalls: [{ name: 'refund', args: { order: 'A-1' } }] }
        : { text: `Refunded: ${result}` };
    });
    const cwd = makeWorkspace({
      'baton.config.yaml': server.config,
      'ask.yaml': workflow,
      'ask.mjs': module,
    });
    const baton = (...args: string[]) => runBuiltCli(args, { cwd });

    const started = await baton('run', 'ask.yaml');
    expect(started.code, started.stderr).toBe(3);
    const runId = runIdOf(started.stdout);
    expect(started.stdout).toContain(`answer: baton answer ${runId} refund --value '<json>'`);
    expect(started.stdout).toContain(`answer: baton answer ${runId} seats --value '<json>'`);

    const listed = await baton('runs');
    expect(listed.stdout).toMatch(/waits on .*seats \(question seats\)/);
    expect(listed.stdout).toMatch(/waits on .*refund \(question amount\)/);
    expect(listed.stdout).toContain(`Run ${runId} waits for a person:`);
    expect(listed.stdout).toContain('  seats asks (seats): How many seats?');
    expect(listed.stdout).toContain(`    baton answer ${runId} seats --value '<json>'`);
    expect(listed.stdout).toContain('  refund asks (amount): Refund how much for A-1?');
    expect(listed.stdout).toContain(`    baton answer ${runId} refund --value '<json>'`);

    // The agent's tool: a refused answer exits 2 and changes nothing; a good one continues.
    const refused = await baton('answer', runId, 'refund', '--value', '500');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('at most 100');
    const answered = await baton('answer', runId, 'refund', '--value', '80', '--by', 'ana');
    expect(answered.code, answered.stderr).toBe(3);
    const after = await baton('runs');
    expect(after.stdout).not.toContain('refund asks');
    expect(after.stdout).toContain(`    baton answer ${runId} seats --value '<json>'`);

    const done = await baton('answer', runId, 'seats', '--value', '3');
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('Refunded: {\\"order\\":\\"A-1\\",\\"amount\\":80}');
    // The tool ran three times (asked, answered, and the resume for the other question) and
    // charged once.
    expect(readFileSync(join(cwd, 'charges.log'), 'utf8')).toBe('A-1\n');
    const shown = await baton('show', runId);
    expect(shown.stdout).toMatch(/refund · amount: Refund how much for A-1\? → 80 \(by ana, /);
  });
});
