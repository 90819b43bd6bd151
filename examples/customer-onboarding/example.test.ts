import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBaton, MemoryStore } from 'baton';
import type { ScriptedResponse } from 'baton/testing';
import { describe, expect, it } from 'vitest';
import { answerByPrompt, type SentPrompt } from '../answer-by-prompt.js';
import { loadExample } from '../load-example.js';
import { traceEngine } from '../run-trace.js';
import { createLedger, createOnboardingTools } from './onboarding-tools.mjs';

const here = import.meta.dirname;
const application = JSON.parse(readFileSync(join(here, 'application.json'), 'utf8')) as Record<
  string,
  unknown
>;
const grace = {
  name: 'Grace Hopper',
  email: 'grace@compilers.example',
  company: 'Compilers Inc',
  country: 'US',
  plan: 'business',
  monthly_volume: 4000,
};

interface Script {
  /** Check results per round: documents complete? */
  documents: boolean[];
  risk: 'low' | 'high';
}

function applicantModel(script: Script) {
  let round = 0;
  return answerByPrompt(({ prompt }: SentPrompt): ScriptedResponse => {
    if (prompt.startsWith('Extract the applicant')) {
      round++;
      // A misread plan fails the document check; the guard sends the problem back for round 2.
      return { object: script.documents[round - 1] ? grace : { ...grace, plan: 'enterprise' } };
    }
    if (prompt.startsWith('Check the identity documents')) {
      const complete = script.documents[round - 1] ?? false;
      return {
        object: { complete, problems: complete ? [] : ['an enterprise plan needs proof of address'] },
        delayMs: 20,
      };
    }
    if (prompt.startsWith('Screen this applicant'))
      return { object: { passed: true, flags: [] }, delayMs: 20 };
    return { object: { route: script.risk, confidence: 0.9, reason: 'scripted' } };
  });
}

async function onboard(script: Script) {
  const model = applicantModel(script);
  const ledger = createLedger();
  const definition = await loadExample(here, 'customer-onboarding.yaml');
  const baton = createBaton({
    store: new MemoryStore(),
    models: { fast: model, smart: model },
    tools: createOnboardingTools(ledger),
  });
  const trace = traceEngine(baton);
  const result = await baton.run(definition, { input: application });
  return { baton, definition, result, trace, ledger, model };
}

describe('customer onboarding example', () => {
  it('runs both checks in parallel and opens a low-risk account without a person', async () => {
    const { result, trace, ledger } = await onboard({ documents: [true], risk: 'low' });

    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({
      account: { name: 'Grace Hopper', plan: 'business' },
      notified: { to: 'grace@compilers.example', subject: 'Welcome to Baton, Grace Hopper' },
    });
    const checksStarted = Math.max(
      trace.indexOf('step-start', 'intake#1/documents'),
      trace.indexOf('step-start', 'intake#1/compliance'),
    );
    const firstCheckEnded = Math.min(
      trace.indexOf('step-end', 'intake#1/documents'),
      trace.indexOf('step-end', 'intake#1/compliance'),
    );
    expect(checksStarted).toBeLessThan(firstCheckEnded);
    expect(trace.started()).not.toContain('review');
    expect(ledger.accounts.size).toBe(1);
    expect(ledger.notifications.size).toBe(1);
  });

  it('sends a failed check back to the parser, then waits for a person on high risk and uses the edited plan', async () => {
    const { baton, definition, result, model, ledger } = await onboard({
      documents: [false, true],
      risk: 'high',
    });

    expect(result.status).toBe('waiting');
    expect(result.waiting?.paths).toEqual(['review']);
    // Round 2 parsed again with the guard's problems in its prompt.
    const parses = model.calls
      .map((call) => JSON.stringify(call.prompt))
      .filter((text) => text.includes('Extract the applicant'));
    expect(parses).toHaveLength(2);
    expect(parses[1]).toContain('an enterprise plan needs proof of address');
    // The classifier was capped at 256 tokens, as in the write-up.
    expect(model.calls.find((call) => JSON.stringify(call.prompt).includes('How risky'))).toMatchObject({
      maxOutputTokens: 256,
    });

    const approved = await baton.approve(
      result.runId,
      'review',
      { by: 'risk-team', edit: { ...grace, plan: 'starter' } },
      { definition },
    );
    expect(approved.status).toBe('succeeded');
    expect(approved.output).toMatchObject({ account: { plan: 'starter' } });
    expect(ledger.accounts.size).toBe(1);
  });

  it('declines after three rounds that never pass the guard', async () => {
    const { result, trace, ledger } = await onboard({ documents: [false, false, false], risk: 'low' });

    expect(result.status).toBe('succeeded');
    expect(trace.started()).toContain('decline');
    expect(trace.started()).not.toContain('create_account');
    expect([...ledger.notifications.values()]).toEqual([
      expect.objectContaining({ to: 'grace@compilers.example', subject: 'We could not open your account' }),
    ]);
    expect(ledger.accounts.size).toBe(0);
  });
});
