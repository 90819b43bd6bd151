import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolContext } from '../../src/core/index.js';
import { createScriptedModel } from '../../src/testing/index.js';
import { connectMcpTools, type McpTools } from '../../src/tools/index.js';
import { define, setup } from '../core/fixtures.js';

const script = fileURLToPath(new URL('./fixtures/mcp-test-server.ts', import.meta.url));

function context(idempotencyKey = 'run_1:step:0'): ToolContext {
  return { runId: 'run_1', stepPath: 'step', idempotencyKey, abortSignal: new AbortController().signal };
}

describe('connectMcpTools', () => {
  let server: McpTools;

  beforeAll(async () => {
    server = await connectMcpTools({
      command: process.execPath,
      args: ['--import', 'tsx', script],
      env: { GREETING_SUFFIX: '!' },
      prefix: 'test_',
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('lists the server tools with their JSON Schema inputs under the prefix', () => {
    expect(Object.keys(server.tools).sort()).toEqual([
      'test_add',
      'test_fail',
      'test_greet',
      'test_remember',
    ]);
    expect(server.tools.test_add?.description).toBe('Adds two numbers');
    expect(server.tools.test_add?.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
  });

  it('returns structured content when the tool has some, else its text', async () => {
    expect(await server.tools.test_add?.execute({ a: 2, b: 3 }, context())).toEqual({ sum: 5 });
    expect(await server.tools.test_greet?.execute({ name: 'Ada' }, context())).toBe('Hello, Ada!');
  });

  it('sends the idempotency key in the request metadata', async () => {
    expect(await server.tools.test_remember?.execute({}, context('run_9:agent:4'))).toBe('run_9:agent:4');
  });

  it('turns a result flagged as an error into TOOL_FAILED with its text', async () => {
    await expect(server.tools.test_fail?.execute({}, context())).rejects.toMatchObject({
      code: 'TOOL_FAILED',
      message: 'the disk is full',
      retryable: false,
    });
  });

  it('gives an agent step the server tools, inputs checked against their schemas', async () => {
    const model = createScriptedModel([
      { toolCalls: [{ toolName: 'test_add', input: { a: 2, b: 'three' } }] },
      { toolCalls: [{ toolName: 'test_add', input: { a: 2, b: 3 } }] },
      'The sum is 5.',
    ]);
    const { engine } = setup({ model, tools: server.tools });
    const result = await engine.run(
      define({
        steps: [{ id: 'sum', kind: 'agent', prompt: 'Add 2 and 3', tools: ['test_add'], maxIterations: 4 }],
      }),
    );
    expect(result.output).toMatchObject({
      sum: {
        answer: 'The sum is 5.',
        toolCalls: [{ error: expect.stringContaining('b') }, { output: { sum: 5 } }],
      },
    });
  });
});

describe('connectMcpTools with a command that is not an MCP server', () => {
  it('fails with TOOL_FAILED naming the command', async () => {
    await expect(
      connectMcpTools({ command: process.execPath, args: ['-e', 'process.exit(3)'], stderr: 'ignore' }),
    ).rejects.toMatchObject({ code: 'TOOL_FAILED', message: expect.stringContaining('-e process.exit(3)') });
  });
});
