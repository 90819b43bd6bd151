import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliCommandLine, cliEnvironment, makeWorkspace } from './cli-harness.js';

const parallel = `name: parallel
steps:
  - id: left
    kind: llm
    model: mock:left?latencyMs=700
    prompt: "Left side"
  - id: right
    kind: llm
    model: mock:right?latencyMs=700
    prompt: "Right side"
  - id: join
    kind: transform
    value: "steps.left & ' | ' & steps.right"
`;

/** Runs a command in a pseudo-terminal (util-linux `script`), so the CLI sees a TTY. */
function inTerminal(command: string, cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'script',
      ['-qfec', `stty cols 140 rows 40; ${command}`, '/dev/null'],
      { cwd, env: cliEnvironment(cwd), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: stdout });
      },
    );
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the live view is made of ANSI escapes
const cursorUp = /\u001b\[\d+A/;

/** The frames of the live view: the text between two "cursor up" redraws. */
function framesOf(output: string): string[] {
  return output.split(cursorUp).map((frame) => frame.replaceAll('\r', ''));
}

// Streams a word every 60 ms: about two seconds of text arriving.
const streaming = `name: streaming
steps:
  - id: draft
    kind: llm
    model: mock:writer?chunkDelayMs=60
    prompt: "Draft a note about tides"
`;

describe('baton run on a terminal', () => {
  it('shows the last line of the text a running model step streams, under its row', async () => {
    const cwd = makeWorkspace({ 'streaming.yaml': streaming });
    const { code, output } = await inTerminal(cliCommandLine(['run', 'streaming.yaml']), cwd);
    expect(code).toBe(0);
    const frames = framesOf(output);
    const streamLine = (frame: string) => frame.split('\n').find((line) => line.includes('│ '));
    const growing = frames.map(streamLine).filter((line): line is string => line !== undefined);
    // The text grows frame by frame: the first shows fewer words than a later one.
    expect(growing.length).toBeGreaterThan(2);
    expect(new Set(growing).size).toBeGreaterThan(2);
    // The text from its start, or its newest end once the line is wider than the terminal.
    expect(growing.every((line) => /│ (Mock|…)/.test(line))).toBe(true);
    // Once the step ended, its row shows no text in flight.
    expect(streamLine(frames.at(-1) ?? '')).toBeUndefined();
    expect(frames.at(-1)).toMatch(/"draft": "Mock answer [0-9a-f]+ from mock:writer/);
  });

  it('redraws the steps in place and shows parallel steps running at the same time', async () => {
    const cwd = makeWorkspace({ 'parallel.yaml': parallel });
    const { code, output } = await inTerminal(cliCommandLine(['run', 'parallel.yaml']), cwd);
    expect(code).toBe(0);
    const frames = framesOf(output);
    expect(frames.length).toBeGreaterThan(3);
    const row = (frame: string, id: string) =>
      frame.split('\n').find((line) => new RegExp(`^\\u001b\\[2K \\S ${id}\\s`).test(line));
    const together = frames.find(
      (frame) => /running/.test(row(frame, 'left') ?? '') && /running/.test(row(frame, 'right') ?? ''),
    );
    expect(together, 'no frame shows left and right running together').toBeDefined();
    expect(row(together ?? '', 'join')).toMatch(/pending/);
    const last = frames.at(-1) ?? '';
    for (const id of ['left', 'right', 'join']) expect(row(last, id)).toMatch(/✓ \w+\s+\w+\s+succeeded/);
    expect(row(last, 'left')).toMatch(/\d+(ms|\.\ds)\s+\d+→\d+ tok\s+\$\S+\s+mock:left/);
    expect(output).toContain('\u001b[?25l');
    expect(output).toContain('\u001b[?25h');
    expect(last).toContain('Run run_');
    expect(last).toContain('"join": "Mock answer');
  });
});
