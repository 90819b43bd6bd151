import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBaton, MemoryStore } from 'baton';
import type { ScriptedResponse } from 'baton/testing';
import { describe, expect, it } from 'vitest';
import { answerByPrompt, type SentPrompt } from '../answer-by-prompt.js';
import { loadExample } from '../load-example.js';
import { traceEngine } from '../run-trace.js';
import { typedOutline } from './typed-outline.js';

const here = import.meta.dirname;
const topic = JSON.parse(readFileSync(join(here, 'topic.json'), 'utf8')) as Record<string, unknown>;

const section = (heading: string) => ({ heading, points: [`about ${heading}`] });
const good = {
  title: 'Resuming LLM workflows',
  sections: [section('What is journaled'), section('Approvals that wait'), section('Checklist')],
};
// The same heading twice: the schema accepts it, the validator does not.
const repeated = { ...good, sections: [section('Intro'), section('Intro'), section('Checklist')] };

/** An author whose first outline repeats a heading, and a checker with a fixed verdict. */
function model(verdict: { meets: boolean; missing: string[] }) {
  let outlines = 0;
  return answerByPrompt(({ prompt }: SentPrompt): ScriptedResponse => {
    if (prompt.startsWith('Write the outline')) return { object: outlines++ === 0 ? repeated : good };
    if (prompt.startsWith('Does this outline')) return { object: verdict };
    return 'The document, section by section.';
  });
}

async function run(
  definition: Parameters<ReturnType<typeof createBaton>['run']>[0],
  verdict: { meets: boolean; missing: string[] },
) {
  const scripted = model(verdict);
  const baton = createBaton({ store: new MemoryStore(), models: { default: scripted } });
  const trace = traceEngine(baton);
  const result = await baton.run(definition, { input: topic });
  return { result, trace, sent: scripted.calls.map((call) => JSON.stringify(call.prompt)) };
}

describe('outline → check → write example', () => {
  it('repairs an outline its validator refuses, checks it, then writes the document', async () => {
    const { result, trace, sent } = await run(await loadExample(here, 'outline-check-write.yaml'), {
      meets: true,
      missing: [],
    });

    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({ outline: good, write: 'The document, section by section.' });
    expect(sent[1]).toContain('each section needs a heading of its own');
    expect(sent[2]).toContain('covers approvals that wait for days');
    expect(trace.started()).toEqual(['outline', 'check', 'gate', 'write']);
  });

  it('routes an outline that misses a criterion to `missing` instead of writing', async () => {
    const { result, trace } = await run(await loadExample(here, 'outline-check-write.yaml'), {
      meets: false,
      missing: ['ends with a checklist'],
    });

    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({ missing: { written: false, missing: ['ends with a checklist'] } });
    expect(trace.started()).not.toContain('write');
  });

  it('runs the typed version: the Zod refinement is sent back as a repair', async () => {
    const { result, sent } = await run(typedOutline, { meets: true, missing: [] });

    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({ outline: good, write: 'The document, section by section.' });
    expect(sent[1]).toContain('each section needs a heading of its own');
  });
});
