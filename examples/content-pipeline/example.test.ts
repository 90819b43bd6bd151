import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBaton, MemoryStore } from 'baton';
import type { ScriptedResponse } from 'baton/testing';
import { describe, expect, it } from 'vitest';
import { answerByPrompt, type SentPrompt } from '../answer-by-prompt.js';
import { loadExample } from '../load-example.js';
import { traceEngine } from '../run-trace.js';

const here = import.meta.dirname;
const brief = JSON.parse(readFileSync(join(here, 'brief.json'), 'utf8')) as Record<string, unknown>;

/** A writer, and a reviewer that scores 5 (first with no reason, which is refused), then 9. */
function team() {
  let reviews = 0;
  return answerByPrompt(({ prompt }: SentPrompt): ScriptedResponse => {
    if (prompt.startsWith('Write')) return 'Draft 1: durable workflows resume after a crash.';
    if (prompt.startsWith('Rewrite'))
      return 'Draft 2: durable workflows resume after a crash, with an example.';
    reviews++;
    if (reviews === 1) return { object: { score: 5, problems: [] } };
    if (reviews === 2) return { object: { score: 5, problems: ['no concrete example'] } };
    return { object: { score: 9, problems: [] } };
  });
}

describe('content pipeline example', () => {
  it('writes, reviews with a score, and rewrites with the review until the score is reached', async () => {
    const model = team();
    const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
    const trace = traceEngine(baton);
    const result = await baton.run(await loadExample(here, 'content-pipeline.yaml'), { input: brief });

    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({
      post: 'Draft 2: durable workflows resume after a crash, with an example.',
      score: 9,
      rounds: 2,
    });
    expect(trace.started()).toEqual([
      'refine',
      'refine#1/draft',
      'refine#1/review',
      'refine#2/draft',
      'refine#2/review',
    ]);
    const sent = model.calls.map((call) => JSON.stringify(call.prompt));
    // A score of 5 with no reason went back to the reviewer as a repair.
    expect(sent[2]).toContain('a score below 8 needs at least one problem to fix');
    // The rewrite saw the draft and the problem the review found.
    expect(sent[3]).toContain('Draft 1: durable workflows');
    expect(sent[3]).toContain('- no concrete example');
  });

  it('stops after three rounds with the last draft when the score is never reached', async () => {
    const model = answerByPrompt(({ prompt, call }) =>
      prompt.includes('Review this blog post')
        ? { object: { score: 6, problems: [`problem ${call}`] } }
        : `Draft after call ${call}`,
    );
    const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
    const result = await baton.run(await loadExample(here, 'content-pipeline.yaml'), { input: brief });

    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({ score: 6, rounds: 3 });
  });
});
