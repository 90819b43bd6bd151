import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runBuiltCli } from './built-cli-tsx.js';
import { type ChatReply, type ChatRequest, startChatServer, toolResultsOf } from './chat-server.js';
import { makeWorkspace, runIdOf, runResultOf } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

let server: Awaited<ReturnType<typeof startChatServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// `note` appends to notes.log, `pay` appends to payments.log and waits for a person, `explode`
// fails fatally.
const tools = `
import { appendFileSync } from 'node:fs';
export const tools = {
  note: {
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    execute: ({ text }) => { appendFileSync('notes.log', text + '\\n'); return 'noted ' + text; },
  },
  pay: {
    inputSchema: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
    execute: ({ amount }, context) => { appendFileSync('payments.log', amount + ' ' + context.idempotencyKey + '\\n'); return { paid: amount }; },
  },
  explode: {
    fatal: true,
    inputSchema: { type: 'object' },
    execute: () => { throw new Error('the ledger is locked'); },
  },
};
`;

const workflow = `name: endings
module: ./tools.mjs
steps:
  - id: clerk
    kind: agent
    model: smart
    maxIterations: 5
    maxOutputTokens: 3
    tools: [note, pay, explode]
    approve: { pay: true }
    prompt: Pay the invoice and note it.
`;

const lines = (cwd: string, file: string) => {
  try {
    return readFileSync(join(cwd, file), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
};

async function workspace(reply: (request: ChatRequest, index: number) => ChatReply) {
  server = await startChatServer(reply);
  const cwd = makeWorkspace({
    'baton.config.yaml': server.config,
    'tools.mjs': tools,
    'endings.yaml': workflow,
  });
  const baton = (...args: string[]) => runBuiltCli(args, { cwd });
  return { cwd, baton, requests: server.requests };
}

describe('how an agent ends, through the built CLI', { timeout: 180_000 }, () => {
  it('runs the ungated call of a turn once while its gated sibling waits, then runs the approved one', async () => {
    const { cwd, baton, requests } = await workspace((_request, index) =>
      index === 0
        ? {
            toolCalls: [
              { name: 'pay', args: { amount: 40 } },
              { name: 'note', args: { text: 'paid 40' } },
            ],
          }
        : { text: 'Done.' },
    );
    const waiting = await baton('run', 'endings.yaml');
    expect(waiting.code, waiting.stderr).toBe(3);
    expect(lines(cwd, 'notes.log')).toEqual(['paid 40']);
    expect(lines(cwd, 'payments.log')).toEqual([]);
    const id = runIdOf(waiting.stdout);
    const approved = await baton('approve', id, 'clerk', '--by', 'ana');
    expect(approved.code, approved.stderr).toBe(0);
    expect(lines(cwd, 'notes.log')).toEqual(['paid 40']);
    // The payment ran once, with the key of its own call number.
    expect(lines(cwd, 'payments.log')).toEqual([`40 ${id}:clerk:1`]);
    expect(requests).toHaveLength(2);
    expect(toolResultsOf(requests[1] as ChatRequest).map((result) => result.tool)).toEqual(['pay', 'note']);
  });

  it('fails the step with OUTPUT_TRUNCATED when the answer stopped at the output limit', async () => {
    const { baton, requests } = await workspace(() => ({ text: 'The invoice is', finishReason: 'length' }));
    const result = await baton('run', 'endings.yaml', '--json');
    expect(result.code).toBe(1);
    expect(runResultOf(result.stdout)).toMatchObject({
      status: 'failed',
      error: { code: 'OUTPUT_TRUNCATED', stepPath: 'clerk' },
    });
    expect(requests[0]?.max_tokens).toBe(3);
  });

  it('keeps a cut-off llm answer with onTruncate: accept, after the earlier conversation it was given', async () => {
    const { cwd, baton, requests } = await workspace(() => ({
      text: 'Dear Ana, your',
      finishReason: 'length',
    }));
    const chat = `name: chat
steps:
  - id: reply
    kind: llm
    model: smart
    maxOutputTokens: 4
    onTruncate: accept
    messages:
      - { role: user, content: 'My order {{ input.order }} broke.' }
      - { role: assistant, content: Sorry to hear that. }
    prompt: Write the reply.
`;
    writeFileSync(join(cwd, 'chat.yaml'), chat);
    const result = await baton('run', 'chat.yaml', '--input', 'order=ORD-1001');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/model-call reply model=loop:chat-model .* finish=length/);
    expect(result.stdout).toContain('output-truncated reply model=loop:chat-model');
    expect(result.stdout).toContain('answer cut off at maxOutputTokens (4), kept (onTruncate: accept)');
    expect(requests[0]?.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'My order ORD-1001 broke.'],
      ['assistant', 'Sorry to hear that.'],
      ['user', 'Write the reply.'],
    ]);
  });

  it('ends the agent with TOOL_FAILED on a fatal tool error, without another model call', async () => {
    const { baton, requests } = await workspace(() => ({ toolCalls: [{ name: 'explode', args: {} }] }));
    const result = await baton('run', 'endings.yaml', '--json');
    expect(result.code).toBe(1);
    expect(runResultOf(result.stdout)).toMatchObject({
      status: 'failed',
      error: { code: 'TOOL_FAILED', message: expect.stringContaining('the ledger is locked') },
    });
    expect(requests).toHaveLength(1);
    const id = (runResultOf(result.stdout) as { runId: string }).runId;
    const shown = await baton('show', id, '--step', 'clerk');
    expect(shown.stdout).toContain('call 1 explode {}');
    expect(shown.stdout).toContain('error: Tool "explode" failed: the ledger is locked');
  });
});
