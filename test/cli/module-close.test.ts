import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, startCli } from './cli-harness.js';

// A module that holds the event loop open (as an MCP connection does) until its close() runs.
const holdingModule = `
import { appendFileSync } from 'node:fs';
const timer = setInterval(() => {}, 1000);
export const functions = { echo: (scope) => scope.input.word };
export const close = () => {
  clearInterval(timer);
  appendFileSync('closed.log', 'closed\\n');
};
`;

const workflow = (value: string) => `
name: holding
input: { type: object, properties: { word: { type: string } } }
steps:
  - id: say
    kind: transform
    value: ${value}
`;

/** Runs the CLI, killing it if it has not exited after `ms` (the bug: it never exits). */
async function runWithDeadline(args: string[], cwd: string, ms = 15_000) {
  const cli = startCli(args, { cwd });
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), ms);
  try {
    return await cli.exited;
  } finally {
    clearTimeout(timer);
  }
}

describe('workflow modules that open resources', () => {
  it('are closed once the run ends, so baton run exits', async () => {
    const cwd = makeWorkspace({
      'holding.yaml': workflow('{ function: echo }'),
      'holding.ts': holdingModule,
    });
    const result = await runWithDeadline(['run', 'holding.yaml', '--input', 'word=hi'], cwd);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(readFileSync(join(cwd, 'closed.log'), 'utf8')).toBe('closed\n');
  }, 30_000);

  it('are closed when the run fails and when validation fails', async () => {
    const cwd = makeWorkspace({
      'holding.yaml': workflow('{ function: missing }'),
      'holding.ts': holdingModule,
    });
    const failed = await runWithDeadline(['run', 'holding.yaml'], cwd);
    expect(failed.signal).toBeNull();
    expect(failed.code).not.toBe(0);
    const validated = await runWithDeadline(['validate', 'holding.yaml'], cwd);
    expect(validated.signal).toBeNull();
    expect(existsSync(join(cwd, 'closed.log'))).toBe(true);
    expect(readFileSync(join(cwd, 'closed.log'), 'utf8')).toBe('closed\nclosed\n');
  }, 40_000);
});
