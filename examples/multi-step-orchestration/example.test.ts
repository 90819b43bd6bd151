import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBaton, createRunReport, MemoryStore, validateWorkflow } from 'baton';
import type { ScriptedResponse } from 'baton/testing';
import { describe, expect, it } from 'vitest';
import { answerByPrompt, type SentPrompt } from '../answer-by-prompt.js';
import { loadExample, workflowFiles } from '../load-example.js';
import { traceEngine } from '../run-trace.js';
import { planApproval } from './typed-plan-approval.js';

const here = import.meta.dirname;
const inputOf = (file: string) =>
  JSON.parse(readFileSync(join(here, file), 'utf8')) as Record<string, unknown>;
const contract = inputOf('contract.json');

/** A `fast` and a `smart` model answering with `answer`, each with its own id. */
function models(answer: (sent: SentPrompt) => ScriptedResponse) {
  return {
    fast: answerByPrompt(answer, { modelId: 'fast' }),
    smart: answerByPrompt(answer, { modelId: 'smart' }),
  };
}

describe('multi-step orchestration example', () => {
  it('has only valid workflow files', async () => {
    expect(workflowFiles(here)).toEqual([
      'contract-review.yaml',
      'model-routing.yaml',
      'parallel-analysis.yaml',
      'plan-approval.yaml',
      'request-router.yaml',
      'resilient-step.yaml',
    ]);
    for (const file of workflowFiles(here)) {
      const definition = await loadExample(here, file);
      expect(validateWorkflow(definition.workflow, definition.functions).problems).toEqual([]);
    }
    expect(validateWorkflow(planApproval.workflow, planApproval.functions).problems).toEqual([]);
  });

  it('reviews a contract in sequence, extracting on the fast model and analysing on the smart one', async () => {
    const answers: Array<[string, string, number]> = [
      [
        'Extract all dates',
        'Dates: March 1, 2025; June 30, 2025 (pilot); September 15, 2025 (go-live).',
        400,
      ],
      [
        'Given these extracted',
        'Risks: "reasonable efforts" dates, data may leave the region, low liability cap.',
        900,
      ],
      ['Create an executive summary', 'Sign only after fixing the data-residency clause.', 350],
    ];
    const { fast, smart } = models(({ prompt }) => {
      const [, text, outputTokens] = answers.find(([start]) => prompt.startsWith(start)) ?? ['', '', 0];
      return { text, usage: { inputTokens: 1_000, outputTokens } };
    });
    const store = new MemoryStore();
    const baton = createBaton({ store, models: { fast, smart } });
    const trace = traceEngine(baton);
    const result = await baton.run(await loadExample(here, 'contract-review.yaml'), { input: contract });

    expect(result.output).toEqual({
      extraction: answers[0]?.[1],
      risk_analysis: answers[1]?.[1],
      summary: answers[2]?.[1],
    });
    expect(trace.started()).toEqual(['extraction', 'risk_analysis', 'summary']);
    const report = await createRunReport(store, result.runId);
    expect(report.steps.map((step) => [step.path, step.model, step.usage?.outputTokens])).toEqual([
      ['extraction', 'scripted:fast', 400],
      ['risk_analysis', 'scripted:smart', 900],
      ['summary', 'scripted:smart', 350],
    ]);
    expect(JSON.stringify(smart.calls[1]?.prompt)).toContain(
      'Risk analysis:\\nRisks: \\"reasonable efforts\\"',
    );
    expect(fast.calls).toHaveLength(1);
  });

  it('fans out four analyses at once and synthesises them when the last one ends', async () => {
    const angles = ['legal', 'financial', 'compliance', 'timeline'];
    const { smart } = models(({ prompt }) =>
      prompt.startsWith('Synthesize')
        ? 'Unified report: ...'
        : { text: `${prompt.slice(0, prompt.indexOf('.'))}: findings`, delayMs: 30 },
    );
    const baton = createBaton({ store: new MemoryStore(), models: { smart } });
    const trace = traceEngine(baton);
    const result = await baton.run(await loadExample(here, 'parallel-analysis.yaml'), { input: contract });

    expect(result.output).toEqual({
      individual_analyses: {
        legal: 'Identify all legal obligations and liabilities: findings',
        financial: 'Extract and analyze all financial terms: findings',
        compliance: 'Check for regulatory compliance issues: findings',
        timeline: 'Extract all deadlines and milestones: findings',
      },
      synthesis: 'Unified report: ...',
    });
    const firstEnd = Math.min(...angles.map((angle) => trace.indexOf('step-end', angle)));
    for (const angle of angles) expect(trace.indexOf('step-start', angle)).toBeLessThan(firstEnd);
    const lastEnd = Math.max(...angles.map((angle) => trace.indexOf('step-end', angle)));
    expect(trace.indexOf('step-start', 'synthesis')).toBeGreaterThan(lastEnd);
    expect(JSON.stringify(smart.calls.at(-1)?.prompt)).toContain(
      '## Timeline Analysis\\nExtract all deadlines',
    );
  });

  describe('request router', () => {
    const categories: Array<[RegExp, string]> = [
      [/charged|invoice/i, 'billing'],
      [/error|fail/i, 'technical_support'],
      [/owner|seats/i, 'account_change'],
      [/discount/i, 'general_inquiry'],
    ];
    /** Classifies by keywords; plays each handler from its system prompt and the tool results so far. */
    const desk = (confidence = 0.92) =>
      models(({ system, prompt, toolResults }): ScriptedResponse => {
        const got = (tool: string) => toolResults.some((result) => result.toolName === tool);
        if (system.includes('Classify the request')) {
          const route = categories.find(([pattern]) => pattern.test(prompt))?.[1] ?? 'general_inquiry';
          return { object: { route, confidence, reason: 'keywords' } };
        }
        if (system.startsWith('You are a billing specialist')) {
          if (!got('get_account'))
            return { toolCalls: [{ toolName: 'get_account', input: { account_id: 'ACME-42' } }] };
          if (!got('list_invoices'))
            return { toolCalls: [{ toolName: 'list_invoices', input: { account_id: 'ACME-42' } }] };
          return 'INV-3307 (March 3) duplicates INV-3301 (March 1). I have asked for INV-3307 to be refunded.';
        }
        if (system.startsWith('You are a technical support engineer')) {
          if (toolResults.length > 0)
            return 'Our webhooks are operational: WH-503 means your endpoint returned 503.';
          // Two independent lookups in one turn: Baton runs them in parallel.
          return {
            toolCalls: [
              { toolName: 'check_service_status', input: { service: 'webhooks' } },
              { toolName: 'lookup_error_code', input: { code: 'WH-503' } },
            ],
          };
        }
        return system.startsWith('You are an account manager')
          ? 'The owner is now dana@acme.test.'
          : 'Yes: 30% off.';
      });

    async function route(request: string, confidence?: number) {
      const definition = await loadExample(here, 'request-router.yaml');
      const baton = createBaton({
        store: new MemoryStore(),
        models: desk(confidence),
        tools: definition.tools,
      });
      const trace = traceEngine(baton);
      const result = await baton.run(definition, { input: { request } });
      const handlers = ['billing', 'technical_support', 'account_change', 'general_inquiry'];
      const ran = handlers.filter((handler) => trace.succeeded().includes(handler));
      const model = trace.ofType('step-end').find((event) => event.path === ran[0])?.model;
      const tools = trace.ofType('tool-call').map((event) => event.tool);
      return { output: result.output as { branch_used: string; response: string }, trace, ran, model, tools };
    }

    it('sends a billing request to the billing agent, which reads the account and invoices', async () => {
      const { output, trace, ran, model, tools } = await route(
        inputOf('billing-request.json').request as string,
      );
      expect(output).toEqual({
        classification: { category: 'billing', confidence: 0.92 },
        branch_used: 'billing',
        response: expect.stringContaining('INV-3307 (March 3) duplicates INV-3301'),
      });
      expect([ran, model, tools]).toEqual([['billing'], 'scripted:smart', ['get_account', 'list_invoices']]);
      expect(trace.skipped().sort()).toEqual(['account_change', 'general_inquiry', 'technical_support']);
    });

    it('sends a technical request to the support agent, with its own tools', async () => {
      const { output, ran, tools } = await route(inputOf('technical-request.json').request as string);
      expect(output.branch_used).toBe('technical_support');
      expect(output.response).toContain('WH-503 means your endpoint returned 503');
      expect(ran).toEqual(['technical_support']);
      expect(tools.sort()).toEqual(['check_service_status', 'lookup_error_code']);
    });

    it('answers account changes on the smart model and general questions on the fast one', async () => {
      const change = await route('Please make dana@acme.test the owner of ACME-42.');
      expect([change.output.branch_used, change.model, change.tools]).toEqual([
        'account_change',
        'scripted:smart',
        [],
      ]);
      const general = await route('Do you offer discounts for non-profits?');
      expect([general.output.branch_used, general.model, general.output.response]).toEqual([
        'general_inquiry',
        'scripted:fast',
        'Yes: 30% off.',
      ]);
    });

    it('takes the general route when the classifier is not confident enough', async () => {
      const { output, ran } = await route('We were charged twice, I think?', 0.4);
      expect(output).toMatchObject({
        classification: { category: 'billing', confidence: 0.4 },
        branch_used: 'general_inquiry',
      });
      expect(ran).toEqual(['general_inquiry']);
    });
  });

  it('costs less with each step on the model that suits it than with every step on the smart model', async () => {
    const pricing = {
      fast: { inputPerMillion: 1, outputPerMillion: 5 },
      smart: { inputPerMillion: 3, outputPerMillion: 15 },
    };
    const tokens: Record<string, [number, number]> = {
      'What kind': [3_000, 10],
      'Extract all': [3_000, 600],
      'Given these': [800, 900],
      'Write a one-page': [1_500, 700],
    };
    const { fast, smart } = models(({ prompt }) => {
      const [inputTokens, outputTokens] = Object.entries(tokens).find(([start]) =>
        prompt.startsWith(start),
      )?.[1] ?? [0, 0];
      const text = prompt.startsWith('What kind') ? JSON.stringify({ kind: 'contract' }) : 'Noted.';
      return { text, usage: { inputTokens, outputTokens } };
    });
    const definition = await loadExample(here, 'model-routing.yaml');
    const run = async (aliases: Record<'fast' | 'smart', 'fast' | 'smart'>) => {
      const store = new MemoryStore();
      const byName = {
        fast: { model: fast, pricing: pricing.fast },
        smart: { model: smart, pricing: pricing.smart },
      };
      const baton = createBaton({
        store,
        models: { fast: byName[aliases.fast], smart: byName[aliases.smart] },
      });
      const result = await baton.run(definition, { input: contract });
      return createRunReport(store, result.runId);
    };
    const routed = await run({ fast: 'fast', smart: 'smart' });
    const allSmart = await run({ fast: 'smart', smart: 'smart' });

    // fast: classify (3,000 in, 10 out) + extract (3,000 in, 600 out) at $1/$5 per million tokens.
    // smart: analyze (800 in, 900 out) + synthesize (1,500 in, 700 out) at $3/$15 per million tokens.
    expect(routed.models).toEqual([
      {
        model: 'scripted:smart',
        steps: 2,
        usage: { inputTokens: 2_300, outputTokens: 1_600, cachedInputTokens: 0 },
        costUsd: expect.closeTo(0.0309, 10),
      },
      {
        model: 'scripted:fast',
        steps: 2,
        usage: { inputTokens: 6_000, outputTokens: 610, cachedInputTokens: 0 },
        costUsd: expect.closeTo(0.00905, 10),
      },
    ]);
    expect(routed.costUsd).toBeCloseTo(0.03995, 10);
    expect(allSmart.models).toEqual([
      {
        model: 'scripted:smart',
        steps: 4,
        usage: { inputTokens: 8_300, outputTokens: 2_210, cachedInputTokens: 0 },
        costUsd: expect.closeTo(0.05805, 10),
      },
    ]);
    // Routing saves about 31% here; the more tokens the cheap steps read, the more it saves.
    expect(1 - routed.costUsd / allSmart.costUsd).toBeCloseTo(0.3118, 3);
  });
});
