import { describe, expect, it } from 'vitest';
import { workflow } from '../../src/authoring/builder/workflow-builder.js';
import { createScriptedModel } from '../../src/testing/index.js';
import { setup } from '../core/fixtures.js';

// Three model steps that start together: answers by call number would depend on their order.
const triage = workflow('triage')
  .llm('sentiment', { prompt: 'Rate the sentiment of: slow shipping' })
  .llm('summary', { prompt: 'Summarize: slow shipping' })
  .llm('reply', { prompt: 'Write a reply to: slow shipping' })
  .build();

describe('createScriptedModel', () => {
  it('answers parallel steps by step, the same whatever order they call in', async () => {
    const model = createScriptedModel({
      byStep: { sentiment: 'negative', summary: 'Shipping was slow.', reply: ['Sorry!', 'never used'] },
    });
    const { engine } = setup({ model });
    const result = await engine.run(triage, { cache: false });
    expect(result).toMatchObject({
      status: 'succeeded',
      output: { sentiment: 'negative', summary: 'Shipping was slow.', reply: 'Sorry!' },
    });
  });

  it('answers by prompt text or pattern, then by a match function, then otherwise', async () => {
    const model = createScriptedModel({
      match: ({ step }) => (step === 'reply' ? 'From match.' : undefined),
      byPrompt: [
        ['Summarize', 'From text.'],
        [/sentiment/i, 'From pattern.'],
      ],
    });
    const { engine } = setup({ model });
    const result = await engine.run(triage, { cache: false });
    expect(result.output).toEqual({
      sentiment: 'From pattern.',
      summary: 'From text.',
      reply: 'From match.',
    });
  });

  it('names the step and the prompt it has no answer for', async () => {
    const model = createScriptedModel({ byStep: { sentiment: 'negative' } });
    const { engine } = setup({ model });
    const result = await engine.run(triage, { cache: false });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/no answer for call \d \(step (summary|reply), prompt "/);
  });
});
