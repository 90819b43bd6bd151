import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBaton, MemoryStore } from 'baton';
import { describe, expect, it } from 'vitest';
import { answerByPrompt } from '../answer-by-prompt.js';
import { loadExample } from '../load-example.js';
import { traceEngine } from '../run-trace.js';

const here = import.meta.dirname;
const topic = JSON.parse(readFileSync(join(here, 'topic.json'), 'utf8')) as Record<string, unknown>;
const questions = ['Why are there two tides a day?', 'What are spring tides?', 'Do lakes have tides?'];

describe('questions → answers example', () => {
  it('answers every question in its own call, in parallel, and keeps their order', async () => {
    const model = answerByPrompt(({ prompt }) => {
      if (prompt.startsWith('Write 3 detailed')) return { object: { questions } };
      const question = questions.find((candidate) => prompt.includes(candidate)) ?? '?';
      // The first question takes longest, so its answer comes in last.
      return { text: `Answer to: ${question}`, delayMs: question === questions[0] ? 60 : 10 };
    });
    const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
    const trace = traceEngine(baton);
    const result = await baton.run(await loadExample(here, 'questions-answers.yaml'), { input: topic });

    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({
      topic: 'How tides work',
      answers: questions.map((question) => ({ question, answer: `Answer to: ${question}` })),
    });
    const items = ['answers[0]/answer', 'answers[1]/answer', 'answers[2]/answer'];
    // All three were under way before the first ended.
    const firstEnd = Math.min(...items.map((path) => trace.indexOf('step-end', path)));
    for (const path of items) expect(trace.indexOf('step-start', path)).toBeLessThan(firstEnd);
    expect(model.calls).toHaveLength(4);
  });
});
