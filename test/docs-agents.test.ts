import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateWorkflow } from '../src/core/index.js';

const page = readFileSync(resolve(import.meta.dirname, '../docs/agents.md'), 'utf8');

describe('docs/agents.md', () => {
  it('shows workflows that validate, and agent fragments that fit the agent step', () => {
    const blocks = Array.from(page.matchAll(/```yaml\n([\s\S]*?)```/g), (match) => match[1] ?? '');
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const block of blocks) {
      const document = parse(block) as Record<string, unknown>;
      // A fragment (guard:, approve:) is checked inside a minimal agent step.
      const workflow =
        'steps' in document
          ? { name: 'example', ...document }
          : {
              name: 'fragment',
              steps: [
                {
                  id: 'refund',
                  kind: 'agent',
                  prompt: 'x',
                  tools: ['process_credit', 'send_email'],
                  maxIterations: 3,
                  ...document,
                },
              ],
            };
      expect(validateWorkflow(workflow).problems, block).toEqual([]);
    }
  });

  it('is checked by a validation that catches a tool the agent does not list', () => {
    const { problems } = validateWorkflow({
      name: 'bad',
      steps: [
        {
          id: 'refund',
          kind: 'agent',
          prompt: 'x',
          tools: ['fetch_order'],
          maxIterations: 3,
          state: {
            initial: { status: 'A' },
            tools: { A: ['launch'] },
            on: { 'launch.error': { status: 'B' } },
          },
          guard: { launch: 'true' },
        },
      ],
    });
    expect(problems.map((problem) => problem.path.join('.'))).toEqual([
      'steps.0.state.tools.A.0',
      'steps.0.state.on.launch.error',
      'steps.0.guard.launch',
    ]);
  });

  it('names the commands that decide a gated call', () => {
    expect(page).toContain('baton approve <run> refund --call 5 --edit args.json');
    expect(page).toContain('baton reject  <run> refund --call 5 --reason');
  });
});
