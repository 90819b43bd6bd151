import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  promptChain as chainOf,
  createBaton,
  MemoryStore,
  validateWorkflow,
  type WorkflowDefinition,
} from 'baton';
import { createScriptedModel } from 'baton/testing';
import { describe, expect, it } from 'vitest';
import { loadExample, workflowFiles } from '../load-example.js';
import { traceEngine } from '../run-trace.js';
import { promptChain, serialChain } from './typed-serial-chain.js';

const here = import.meta.dirname;
const sally = JSON.parse(readFileSync(join(here, 'sally.json'), 'utf8')) as { question: string };

/** What a model might answer at each link of the chain, in order. */
const answers = [
  '- Hourly rate: $12 per hour (multiply it by the time worked, in hours).\n- Time worked: 50 minutes (convert to hours: 50 / 60).',
  '1. Convert 50 minutes to hours: 50 / 60 = 5/6 hour.\n2. Multiply the hourly rate by the hours worked: $12 × 5/6.',
  'Sally earned $10 for 50 minutes of babysitting.',
];

/** Runs a chain with a scripted model answering in order, and returns what the model was sent. */
async function runChain(definition: WorkflowDefinition) {
  const model = createScriptedModel(answers);
  const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
  const trace = traceEngine(baton);
  const result = await baton.run(definition, { input: sally });
  const prompts = model.calls.map((call) => JSON.stringify(call.prompt));
  return { result, trace, prompts };
}

describe('serial chain example', () => {
  it('has only valid workflow files', async () => {
    expect(workflowFiles(here)).toEqual(['prompts-from-input.yaml', 'serial-chain.yaml']);
    const definition = await loadExample(here, 'serial-chain.yaml');
    expect(validateWorkflow(definition.workflow, definition.functions).problems).toEqual([]);
    expect(validateWorkflow(serialChain.workflow, serialChain.functions).problems).toEqual([]);
  });

  it('feeds each answer into the next prompt and ends with the final answer', async () => {
    const definition = await loadExample(here, 'serial-chain.yaml');
    const { result, trace, prompts } = await runChain(definition);

    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ answer: answers[2], chain: answers });
    // A chain is strictly sequential: each step starts only after the one it reads has ended.
    expect(trace.started()).toEqual(['extract', 'plan', 'answer']);
    expect(trace.indexOf('step-end', 'extract')).toBeLessThan(trace.indexOf('step-start', 'plan'));
    expect(trace.indexOf('step-end', 'plan')).toBeLessThan(trace.indexOf('step-start', 'answer'));
    expect(prompts[0]).toContain('ONLY extract any relevant numerical information');
    expect(prompts[0]).toContain('Sally earns $12 an hour');
    expect(prompts[1]).toContain('ONLY express the steps you would take');
    expect(prompts[1]).toContain('Time worked: 50 minutes');
    expect(prompts[2]).toContain('express the final answer');
    expect(prompts[2]).toContain('$12 × 5/6');
  });

  it('runs the typed version with the same prompts and the same result', async () => {
    const fromYaml = await runChain(await loadExample(here, 'serial-chain.yaml'));
    const typed = await runChain(serialChain);

    expect(typed.result.output).toEqual(fromYaml.result.output);
    expect(typed.trace.started()).toEqual(['extract', 'plan', 'answer']);
    expect(typed.prompts).toEqual(fromYaml.prompts);
    expect(typed.prompts[1]).toContain(JSON.stringify(promptChain[1]).slice(1, -1));
  });

  it('builds the same chain from a list of prompts with promptChain', async () => {
    const fromYaml = await runChain(await loadExample(here, 'serial-chain.yaml'));
    const built = await runChain(
      chainOf('sally', promptChain, { ids: ['extract', 'plan', 'answer'], temperature: 0.7 }),
    );

    expect(built.result.output).toEqual(fromYaml.result.output);
    expect(built.trace.started()).toEqual(['extract', 'plan', 'answer']);
    expect(built.prompts).toEqual(fromYaml.prompts);
  });

  it('takes the prompts from the run input, each receiving the previous answer', async () => {
    const model = createScriptedModel(answers);
    const baton = createBaton({ store: new MemoryStore(), models: { default: model } });
    const input = JSON.parse(readFileSync(join(here, 'sally-prompts.json'), 'utf8')) as { prompts: string[] };
    const result = await baton.run(await loadExample(here, 'prompts-from-input.yaml'), { input });

    expect(result.output).toEqual({ answer: answers[2], chain: answers });
    const prompts = model.calls.map((call) => JSON.stringify(call.prompt));
    expect(prompts).toHaveLength(3);
    input.prompts.forEach((prompt, index) => {
      expect(prompts[index]).toContain(prompt);
    });
    expect(prompts[0]).toContain('Sally earns $12 an hour');
    expect(prompts[1]).toContain('Time worked: 50 minutes');
    expect(prompts[2]).toContain('$12 × 5/6');
  });
});
