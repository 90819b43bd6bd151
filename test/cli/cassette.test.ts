import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, runResultOf } from './cli-harness.js';

const chain = `name: chain
steps:
  - id: outline
    kind: llm
    model: fast
    prompt: "Outline {{ input.topic }}"
  - id: grade
    kind: llm
    model: fast
    prompt: "Grade {{ steps.outline }}"
    output:
      type: object
      properties:
        label: { type: string, enum: [good, bad] }
      required: [label]
`;

interface Cassette {
  models: Record<string, { id: string }>;
  chains: Record<string, string[]>;
  calls: Array<{ model: string; stepPath: string; request: { prompt: unknown }; result: unknown }>;
}

describe('baton run --record and --replay', () => {
  it('records every model call, then answers the same run from the cassette alone', async () => {
    const cwd = makeWorkspace({ 'chain.yaml': chain });
    const recorded = await runCli(
      [
        'run',
        'chain.yaml',
        '--input',
        'topic=tides',
        '--model',
        'fast=mock:fast',
        '--record',
        'chain.cassette.json',
        '--json',
      ],
      { cwd },
    );
    expect(recorded.code).toBe(0);
    const cassette = JSON.parse(readFileSync(join(cwd, 'chain.cassette.json'), 'utf8')) as Cassette;
    // The alias is recorded with the models it stood for, each model under its own name.
    expect(cassette.chains).toEqual({ fast: ['mock:fast'] });
    expect(cassette.models).toEqual({ 'mock:fast': expect.objectContaining({ id: 'mock:fast' }) });
    expect(cassette.calls.map((call) => [call.model, call.stepPath])).toEqual([
      ['mock:fast', 'outline'],
      ['mock:fast', 'grade'],
    ]);
    expect(JSON.stringify(cassette.calls[0]?.request.prompt)).toContain('Outline tides');

    // Without --model, "fast" would be a different mock; the cassette alone decides the answers.
    const replayed = await runCli(
      ['run', 'chain.yaml', '--input', 'topic=tides', '--replay', 'chain.cassette.json', '--json'],
      { cwd },
    );
    expect(replayed.code).toBe(0);
    expect(runResultOf(replayed.stdout).output).toEqual(runResultOf(recorded.stdout).output);
    expect(replayed.stderr).not.toContain('mock models');
  });

  it('answers from the cassette even when the recorded answers differ from what the model would say', async () => {
    const cwd = makeWorkspace({ 'chain.yaml': chain });
    await runCli(['run', 'chain.yaml', '--input', 'topic=tides', '--record', 'c.json'], { cwd });
    const path = join(cwd, 'c.json');
    const cassette = JSON.parse(readFileSync(path, 'utf8')) as Cassette;
    // The last call's answer feeds no other prompt, so every other recorded request still matches.
    const last = cassette.calls[1]?.result as { content: Array<{ type: string; text: string }> };
    const recordedLabel = (JSON.parse(last.content[0]?.text ?? '{}') as { label: string }).label;
    const otherLabel = recordedLabel === 'good' ? 'bad' : 'good';
    last.content = [{ type: 'text', text: JSON.stringify({ label: otherLabel }) }];
    writeFileSync(path, JSON.stringify(cassette));
    const replayed = await runCli(
      ['run', 'chain.yaml', '--input', 'topic=tides', '--replay', 'c.json', '--json'],
      { cwd },
    );
    expect(runResultOf(replayed.stdout).output.grade).toEqual({ label: otherLabel });
  });

  it('fails with an error naming the step when the cassette has no answer for a prompt', async () => {
    const cwd = makeWorkspace({ 'chain.yaml': chain });
    await runCli(['run', 'chain.yaml', '--input', 'topic=tides', '--record', 'c.json'], { cwd });
    const replayed = await runCli(['run', 'chain.yaml', '--input', 'topic=volcanoes', '--replay', 'c.json'], {
      cwd,
    });
    expect(replayed.code).toBe(1);
    expect(replayed.stderr).toMatch(
      /error: Cassette c\.json holds no answer of model mock:fast for the prompt of step "outline" \(request \w+\)\. The prompt or the model changed since recording: record again with --record\./,
    );
  });

  it('refuses --record together with --replay', async () => {
    const cwd = makeWorkspace({ 'chain.yaml': chain });
    const result = await runCli(['run', 'chain.yaml', '--record', 'a.json', '--replay', 'b.json'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--record and --replay cannot be used together.');
  });
});
