import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBaton, MemoryStore, validateWorkflow, type WorkflowDefinition } from 'baton';
import type { ScriptedResponse } from 'baton/testing';
import { describe, expect, it } from 'vitest';
import { answerByPrompt, type SentPrompt } from '../answer-by-prompt.js';
import { loadExample, workflowFiles } from '../load-example.js';
import { traceEngine } from '../run-trace.js';
import { codeReview } from './typed-code-review.js';

const here = import.meta.dirname;
const inputOf = (file: string) =>
  JSON.parse(readFileSync(join(here, file), 'utf8')) as Record<string, unknown>;

describe('prompt chaining example', () => {
  it('has only valid workflow files', async () => {
    expect(workflowFiles(here)).toEqual(['code-review.yaml', 'customer-feedback.yaml', 'support-chain.yaml']);
    for (const file of workflowFiles(here)) {
      const definition = await loadExample(here, file);
      expect(validateWorkflow(definition.workflow, definition.functions).problems).toEqual([]);
    }
    expect(validateWorkflow(codeReview.workflow, codeReview.functions).problems).toEqual([]);
  });

  it('chains extract → sentiments → response on customer feedback', async () => {
    const model = answerByPrompt(({ prompt }) =>
      prompt.startsWith('Extract the main issues')
        ? 'New dashboard is faster\nMobile app logs out daily\nSupport took four days to answer'
        : prompt.startsWith('For each issue')
          ? 'New dashboard is faster | positive\nMobile app logs out daily | negative\nSupport took four days | negative'
          : 'Thank you for the kind words about the dashboard! We are sorry about the daily log-outs...',
    );
    const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
    const trace = traceEngine(baton);
    const result = await baton.run(await loadExample(here, 'customer-feedback.yaml'), {
      input: inputOf('feedback.json'),
    });

    expect(result.output).toMatchObject({
      issues: expect.stringContaining('Mobile app logs out daily'),
      sentiments: expect.stringContaining('| negative'),
      response: expect.stringContaining('Thank you'),
    });
    expect(trace.started()).toEqual(['issues', 'sentiments', 'response']);
    const response = JSON.stringify(model.calls[2]?.prompt);
    expect(response).toContain('Original feedback: I love the new dashboard');
    expect(response).toContain('Mobile app logs out daily | negative');
  });

  describe('code review', () => {
    const changes = {
      files: ['src/users.ts'],
      functions: ['findUsers'],
      summary: 'Adds a name filter; queries per id.',
    };
    const analyses: Record<string, unknown> = {
      'Review these code changes': { errors: [], edge_cases: ['empty ids returns []'], bugs: [] },
      'Analyze performance': {
        issues: ['one query per id', 'O(n²) de-duplication'],
        suggestions: ['use ANY($1)'],
      },
      'Security review': { vulnerabilities: ['SQL injection through id and nameFilter'], severity: 'high' },
    };
    /** Answers by prompt; the checks take a while, so they are in flight together. */
    const reviewer = (options: { invalidFirst?: boolean } = {}) => {
      let extracted = 0;
      return answerByPrompt(({ prompt }: SentPrompt): ScriptedResponse => {
        if (prompt.startsWith('Analyze this code diff')) {
          // The first answer misses `functions`: it goes back to the model with what is wrong.
          const invalid = options.invalidFirst && extracted++ === 0;
          return { object: invalid ? { files: changes.files } : changes, delayMs: 10 };
        }
        const check = Object.keys(analyses).find((start) => prompt.startsWith(start));
        // Long enough that the check reading extract_changes (two calls: the answer and its repair)
        // starts before the two that read only the input end, even on a loaded machine.
        if (check) return { object: analyses[check], delayMs: 400 };
        return 'Verdict: REQUEST_CHANGES. Critical: SQL injection in findUsers; use a parameterised query.';
      });
    };

    async function review(definition: WorkflowDefinition, options: { invalidFirst?: boolean } = {}) {
      const model = reviewer(options);
      const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
      const trace = traceEngine(baton);
      const result = await baton.run(definition, { input: inputOf('code-change.json') });
      return { result, trace, model };
    }

    it('runs the three checks in parallel, each checked against its schema, then summarises', async () => {
      const { result, trace, model } = await review(await loadExample(here, 'code-review.yaml'), {
        invalidFirst: true,
      });

      expect(result.status).toBe('succeeded');
      expect(result.output).toEqual({
        changes_summary: changes,
        correctness_check: analyses['Review these code changes'],
        performance_check: analyses['Analyze performance'],
        security_check: analyses['Security review'],
        final_review: expect.stringContaining('REQUEST_CHANGES'),
      });
      const checks = ['check_correctness', 'check_performance', 'check_security'];
      // Every check was under way before the first of them ended.
      const firstCheckEnd = Math.min(...checks.map((path) => trace.indexOf('step-end', path)));
      for (const path of checks) expect(trace.indexOf('step-start', path)).toBeLessThan(firstCheckEnd);
      // Performance and security read only the input: they did not wait for extract_changes.
      const extracted = trace.indexOf('step-end', 'extract_changes');
      expect(trace.indexOf('step-start', 'check_performance')).toBeLessThan(extracted);
      expect(trace.indexOf('step-start', 'check_security')).toBeLessThan(extracted);
      expect(trace.indexOf('step-start', 'check_correctness')).toBeGreaterThan(extracted);
      const lastCheckEnd = Math.max(...checks.map((path) => trace.indexOf('step-end', path)));
      expect(trace.indexOf('step-start', 'generate_summary')).toBeGreaterThan(lastCheckEnd);
      // The invalid extraction was repaired before anything read it.
      expect(trace.ofType('step-end').find((event) => event.path === 'extract_changes')?.note).toBe(
        'answer repaired 1 time(s)',
      );
      const summaryPrompt = JSON.stringify(model.calls.at(-1)?.prompt);
      expect(summaryPrompt).toContain('SQL injection through id and nameFilter');
    });

    it('gives the same review from the typed version', async () => {
      const { result, trace, model } = await review(codeReview);
      expect(result.output).toMatchObject({ security_check: { severity: 'high' }, changes_summary: changes });
      expect(trace.succeeded().at(-1)).toBe('generate_summary');
      expect(JSON.stringify(model.calls.at(-1)?.prompt)).toContain('A high-severity vulnerability was found');
    });
  });

  describe('support chain', () => {
    const support = answerByPrompt(({ system, prompt }) => {
      const request = prompt.slice(prompt.indexOf('Request: ') + 9);
      if (prompt.startsWith('Classify this support request')) {
        const category = /sync|export|crash/i.test(request)
          ? 'technical_support'
          : /charged|invoice|refund/i.test(request)
            ? 'billing'
            : /plan|feature|how do/i.test(request)
              ? 'general_inquiry'
              : 'other';
        return { object: { category } };
      }
      if (prompt.startsWith('Extract the error details')) {
        const code = /E\d{3}/.exec(request)?.[0] ?? null;
        return {
          object: { area: 'desktop sync', error_code: code, symptoms: code ? 'sync failed' : 'notes vanish' },
        };
      }
      if (prompt.startsWith('Write a short reply'))
        return 'Please sign out and sign in again, then run Sync now.';
      return system.includes('billing specialist')
        ? 'Sorry about the double charge: we have refunded the payment of March 3rd.'
        : 'Happy to help!';
    });

    async function ask(message: string) {
      const definition = await loadExample(here, 'support-chain.yaml');
      const baton = createBaton({
        store: new MemoryStore(),
        models: { fast: support },
        tools: definition.tools,
      });
      const trace = traceEngine(baton);
      const result = await baton.run(definition, { input: { message } });
      return { output: result.output as { category: string; route: string; response: string }, trace };
    }

    it('answers a known technical error from the knowledge base', async () => {
      const { output, trace } = await ask(inputOf('support-sync-error.json').message as string);
      expect(output).toEqual({
        category: 'technical_support',
        route: 'technical_support',
        response: 'Please sign out and sign in again, then run Sync now.',
      });
      expect(trace.succeeded()).toEqual(['classify', 'route', 'error_details', 'kb', 'solution', 'reply']);
      expect(trace.skipped().sort()).toEqual([
        'billing_reply',
        'escalate',
        'fallback_reply',
        'general_reply',
      ]);
    });

    it('escalates a technical problem the knowledge base does not know', async () => {
      const { output, trace } = await ask(
        'My notes vanish from the desktop app after a sync, no error shown.',
      );
      expect(output.response).toMatch(/^We could not find a known fix, so we opened ticket TCK-\d+\./);
      expect(trace.succeeded()).toContain('escalate');
      expect(trace.skipped()).toContain('solution');
    });

    it('routes billing and unclassifiable requests to their own chains', async () => {
      const billing = await ask(inputOf('support-billing.json').message as string);
      expect(billing.output).toMatchObject({
        route: 'billing',
        response: expect.stringContaining('refunded the payment'),
      });
      expect(billing.trace.skipped()).toEqual(
        expect.arrayContaining(['error_details', 'kb', 'solution', 'escalate']),
      );

      const other = await ask('Bonjour !');
      expect(other.output).toEqual({
        category: 'other',
        route: 'fallback',
        response: "I'm not sure how to help with that.",
      });
    });
  });
});
