import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBaton, MemoryStore } from 'baton';
import { describe, expect, it } from 'vitest';
import { answerByPrompt } from '../answer-by-prompt.js';
import { loadExample } from '../load-example.js';

const here = import.meta.dirname;
const signups = JSON.parse(readFileSync(join(here, 'signups.json'), 'utf8')) as Record<string, unknown>;
const ada = { name: 'Ada Lovelace', email: 'ada@example.com', country: 'GB', revenue: 120 };
const grace = { name: 'Grace Hopper', email: 'grace@navy.mil', country: 'US', revenue: 80 };
const linus = { name: 'Linus T.', email: 'linus@example.org', country: 'FI', revenue: 0 };

describe('data cleaning → insights example', () => {
  it('repairs cleaned data its validator refuses, computes exact figures, then writes insights from them', async () => {
    let cleanings = 0;
    const model = answerByPrompt(({ prompt }) => {
      if (prompt.startsWith('Clean and standardise')) {
        // First a blank name, then a duplicate: both refused by `validate`.
        cleanings++;
        if (cleanings === 1) return { object: { records: [ada, grace, { ...linus, name: ' ' }] } };
        if (cleanings === 2) return { object: { records: [ada, ada, grace, linus] } };
        return { object: { records: [ada, grace, linus] } };
      }
      return {
        object: { summary: 'Three sign-ups, $200 in all.', insights: ['GB brings the most revenue'] },
      };
    });
    const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
    const result = await baton.run(await loadExample(here, 'data-insights.yaml'), { input: signups });

    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({
      records: [ada, grace, linus],
      figures: { people: 3, revenue: 200, byCountry: { GB: 120, US: 80, FI: 0 } },
      insights: { summary: 'Three sign-ups, $200 in all.', insights: ['GB brings the most revenue'] },
    });
    const sent = model.calls.map((call) => JSON.stringify(call.prompt));
    expect(sent[1]).toContain('these records have no name: linus@example.org');
    expect(sent[2]).toContain('an email appears twice');
    // The insights were written from the computed figures.
    expect(sent[3]).toMatch(/revenue\\"?:200/);
  });

  it('fails with OUTPUT_INVALID naming the step when the data never passes', async () => {
    const model = answerByPrompt(() => ({ object: { records: [ada, ada] } }));
    const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
    const result = await baton.run(await loadExample(here, 'data-insights.yaml'), { input: signups });

    expect(result.error).toMatchObject({ code: 'OUTPUT_INVALID', stepPath: 'clean' });
    expect(result.error?.message).toContain('an email appears twice');
    expect(model.calls).toHaveLength(3);
  });
});
