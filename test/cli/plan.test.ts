import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from './cli-harness.js';

const workflow = `name: report
steps:
  - id: research
    kind: llm
    model: fast
    prompt: "Research {{ input.topic }} in depth"
    maxOutputTokens: 800
  - id: facts
    kind: tool
    tool: search
    input: { query: "{{ input.topic }}" }
  - id: draft
    kind: llm
    model: smart
    prompt: "Write a report from {{ steps.research }} and {{ steps.facts }}"
    maxOutputTokens: 1000
  - id: title
    kind: llm
    model: fast
    prompt: "A title for {{ steps.draft }}"
    maxOutputTokens: 20
`;

describe('baton plan', () => {
  it('shows each step with its kind, model and needs, the critical path and the totals', async () => {
    const cwd = makeWorkspace({ 'report.yaml': workflow });
    const result = await runCli(
      ['plan', 'report.yaml', '--model', 'fast=mock:fast', '--model', 'smart=mock:smart'],
      { cwd },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('report: 4 top-level step(s), 3 model call(s) per run');
    expect(result.stdout).toMatch(/draft\s+llm\s+smart \(mock:smart\)\s+research, facts\s+/);
    expect(result.stdout).toContain('Critical path: research → draft → title');
    expect(result.stdout).toMatch(/Total: ≈[\d,]+ input \+ 1,820 output tokens, ≈\$/);
  });

  it('gives estimates per step and in total with --json, sizing prompts from the input given', async () => {
    const cwd = makeWorkspace({ 'report.yaml': workflow });
    const result = await runCli(['plan', 'report.yaml', '--json', '--input', `topic=${'y'.repeat(400)}`], {
      cwd,
    });
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      steps: Array<{
        id: string;
        needs: string[];
        inputTokens: number;
        outputTokens: number;
        costUsd: number;
      }>;
      criticalPath: string[];
      total: { modelCalls: number; outputTokens: number; costUsd: number };
    };
    const research = plan.steps.find((step) => step.id === 'research');
    const draft = plan.steps.find((step) => step.id === 'draft');
    expect(research?.inputTokens).toBe(Math.ceil('Research  in depth'.length / 4) + 100);
    expect(research?.outputTokens).toBe(800);
    // The draft reads the research (800 estimated tokens) and the tool result (100 assumed).
    expect(draft?.inputTokens).toBe(Math.ceil('Write a report from  and '.length / 4) + 800 + 100);
    expect(draft?.needs).toEqual(['research', 'facts']);
    expect(plan.criticalPath).toEqual(['research', 'draft', 'title']);
    expect(plan.total).toMatchObject({ modelCalls: 3, outputTokens: 1820 });
    expect(plan.total.costUsd).toBeGreaterThan(0);
  });

  it('counts a map item and a loop iteration once and says so', async () => {
    const cwd = makeWorkspace({
      'fan.yaml': `name: fan
steps:
  - id: review
    kind: map
    items: "input.files"
    steps:
      - id: check
        kind: llm
        prompt: "Check {{ item }}"
        maxOutputTokens: 50
`,
    });
    const result = await runCli(['plan', 'fan.yaml'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/review\s+map .* per item/);
    expect(result.stdout).toMatch(/ {4}check\s+llm/);
  });

  it('lists steps in the order the engine starts them, whatever order the file writes them in', async () => {
    const cwd = makeWorkspace({
      'late.yaml': `name: late
steps:
  - { id: title, kind: llm, prompt: "A title for {{ $$.steps.draft }}", maxOutputTokens: 20 }
  - { id: draft, kind: llm, prompt: "Write from {{ steps.research }}", maxOutputTokens: 300 }
  - { id: research, kind: llm, prompt: "Research", maxOutputTokens: 200 }
`,
    });
    const result = await runCli(['plan', 'late.yaml', '--json'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      steps: Array<{ id: string; inputTokens: number }>;
      criticalPath: string[];
    };
    expect(plan.steps.map((step) => step.id)).toEqual(['research', 'draft', 'title']);
    expect(plan.criticalPath).toEqual(['research', 'draft', 'title']);
    // `$$.steps.draft` reads the draft, as the engine's reference finder sees it: 300 tokens.
    expect(plan.steps.find((step) => step.id === 'title')?.inputTokens).toBe(
      Math.ceil('A title for '.length / 4) + 300,
    );
  });

  it('expects the output tokens a budget reserves: maxOutputTokens, else 1,024, for every model step', async () => {
    const cwd = makeWorkspace({
      'kinds.yaml': `name: kinds
steps:
  - { id: free, kind: llm, prompt: "Anything" }
  - { id: agent, kind: agent, prompt: "Work", tools: [], maxIterations: 2, maxOutputTokens: 300 }
  - id: route
    kind: branch
    classify: { prompt: "Which?" }
    routes: { a: { description: "A", steps: [] }, b: { description: "B", steps: [] } }
    default: a
  - id: capped
    kind: branch
    classify: { prompt: "Which?", maxOutputTokens: 64 }
    routes: { a: { description: "A", steps: [] }, b: { description: "B", steps: [] } }
    default: a
`,
    });
    const result = await runCli(['plan', 'kinds.yaml', '--json'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { steps: Array<{ id: string; outputTokens: number }> };
    const output = Object.fromEntries(plan.steps.map((step) => [step.id, step.outputTokens]));
    // The agent: two turns of at most 300 each.
    expect(output).toEqual({ free: 1024, agent: 600, route: 1024, capped: 64 });
  });
});
