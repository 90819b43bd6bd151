import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaton, MemoryStore } from '../../src/index.js';
import { answerByPrompt } from '../answer-by-prompt.js';
import { loadExample } from '../load-example.js';

const here = import.meta.dirname;
const product = JSON.parse(readFileSync(join(here, 'product.json'), 'utf8')) as Record<string, unknown>;
const copy = {
  headline: 'Workflows that survive a crash',
  body: 'Baton journals every step. A crashed run resumes where it stopped.',
  call_to_action: 'Try it today',
};
const french = {
  headline: 'Des workflows qui survivent',
  body: 'Baton journalise chaque étape.',
  call_to_action: 'Essayez',
};
const german = {
  headline: 'Workflows, die überleben',
  body: 'Baton protokolliert jeden Schritt.',
  call_to_action: 'Jetzt testen',
};

describe('copy → translation example', () => {
  it('writes the copy once and translates it into each language, repairing a translation that drops a field', async () => {
    let germanCalls = 0;
    const model = answerByPrompt(({ prompt }) => {
      if (prompt.startsWith('Write marketing copy')) return { object: copy };
      if (prompt.startsWith('Translate this marketing copy into French')) return { object: french };
      // The first German answer forgets the call to action.
      const { call_to_action: _, ...partial } = german;
      return { object: germanCalls++ === 0 ? partial : german };
    });
    const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
    const result = await baton.run(await loadExample(here, 'copy-translation.yaml'), { input: product });

    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({
      original: copy,
      translations: [
        { language: 'French', copy: french },
        { language: 'German', copy: german },
      ],
    });
    const sent = model.calls.map((call) => JSON.stringify(call.prompt));
    expect(sent[0]).toContain('runs resume after a crash; every step is journaled');
    // Each translation call (the German repair included) got the copy itself.
    expect(model.calls).toHaveLength(4);
    expect(sent.filter((text) => text.includes('Workflows that survive a crash'))).toHaveLength(3);
    expect(
      sent.some((text) => text.includes('Your answer is not valid') && text.includes('call_to_action')),
    ).toBe(true);
  });
});
