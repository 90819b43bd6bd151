import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';
import { approvalOf, BatonError, createEngine, MemoryStore, validateWorkflow } from '../../../src/index.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { setup } from '../../core/fixtures.js';

const Post = z.object({ title: z.string() });
let proposals = 0;

const publishing = (outcome: boolean) =>
  workflow('publishing', { input: z.object({ topic: z.string() }) })
    .transform('draft', { run: ({ input }) => ({ title: `On ${input.topic}` }) })
    .approval('review', {
      needs: ['draft'],
      // Counts evaluations: a decision must use the subject as proposed, not evaluate it again.
      subject: ({ steps }) => ({ title: `${steps.draft.title}${proposals++ === 0 ? '' : ' (again)'}` }),
      output: Post,
      outcome,
    })
    .output(({ steps }) => steps.review)
    .build();

describe('typed runs and decisions', () => {
  it('approves by reference with an edit, and the subject is evaluated once', async () => {
    proposals = 0;
    const flow = publishing(false);
    const { engine } = setup();
    const waiting = await engine.run(flow, { input: { topic: 'cats' } });
    expect(waiting.status).toBe('waiting');
    const done = await engine.approve(waiting.runId, approvalOf(flow, 'review'), { by: 'ana' });
    expect(done).toMatchObject({ status: 'succeeded', output: { title: 'On cats' } });
    expect(proposals).toBe(1);
  });

  it('gives a rejection to the workflow as an outcome value with who and why', async () => {
    proposals = 0;
    const flow = publishing(true);
    const { engine } = setup();
    const waiting = await engine.run(flow, { input: { topic: 'cats' } });
    const rejected = await engine.reject(
      waiting.runId,
      'review',
      { by: 'ana', reason: 'off topic' },
      { definition: flow },
    );
    expect(rejected).toMatchObject({
      status: 'succeeded',
      output: { decision: 'rejected', reason: 'off topic', by: 'ana' },
    });
    const again = await engine.run(flow, { input: { topic: 'dogs' } });
    const edited = await engine.approve(again.runId, approvalOf(flow, 'review'), {
      by: 'bo',
      edit: { title: 'Dogs!' },
    });
    expect(edited.output).toEqual({ decision: 'edited', value: { title: 'Dogs!' }, by: 'bo' });
  });

  it('refuses a decision when the engine lacks the run’s functions, recording nothing', async () => {
    proposals = 0;
    const flow = publishing(false);
    const store = new MemoryStore();
    const waiting = await createEngine({ store }).run(flow, { input: { topic: 'cats' } });
    const other = createEngine({ store });
    const refused = await other.approve(waiting.runId, 'review').catch((error: unknown) => error);
    expect(BatonError.is(refused, 'FUNCTION_NOT_FOUND'), String(refused)).toBe(true);
    expect((await store.getRun(waiting.runId))?.status).toBe('waiting');
    expect((await store.listSubCalls(waiting.runId, 'review')).map((call) => call.kind)).toEqual([
      'approval-request',
    ]);
  });

  it('never routes a missing function as a failure of the step', async () => {
    // The expression names a function nobody registered: a set-up problem, not the step's failure.
    const flow = workflow('routed')
      .transform('risky', { run: '$call("unregistered")', onError: { route: 'fallback' } })
      .transform('fallback', { run: () => 'fell back' })
      .build();
    const { engine } = setup();
    const result = await engine.run(flow);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'FUNCTION_NOT_FOUND' } });
  });

  it('compiles `when` functions, route conditions, agent and workflow steps to valid IR', async () => {
    const child = workflow('child', { input: z.object({ n: z.number() }) })
      .transform('twice', { run: ({ input }) => input.n * 2 })
      .output(({ steps }) => steps.twice)
      .build();
    const parent = workflow('parent', { input: z.object({ n: z.number() }) })
      .branch('size', {
        routes: { big: { when: ({ input }) => input.n > 10, steps: ['call'] }, small: { steps: [] } },
        default: 'small',
      })
      .workflow('call', { workflow: child, input: ({ input }) => ({ n: input.n }) })
      .transform('note', { when: ({ input }) => input.n % 2 === 0, run: () => 'even' })
      .agent('ask', { prompt: 'Answer', tools: [], maxIterations: 2 })
      .build();
    expect(validateWorkflow(parent.workflow, parent.functions).problems).toEqual([]);
    expect(parent.workflow.steps.map((step) => step.kind)).toEqual([
      'branch',
      'workflow',
      'transform',
      'agent',
    ]);
    const { engine } = setup({ model: createScriptedModel(['42']), workflows: { child } });
    const big = await engine.run(parent, { input: { n: 12 } });
    expect(big).toMatchObject({
      status: 'succeeded',
      output: { call: 24, note: 'even', ask: { answer: '42' } },
    });
    const small = await engine.run(parent, { input: { n: 3 } });
    expect(small.status === 'succeeded' && small.output).toEqual({
      size: { route: 'small' },
      ask: { answer: '42', turns: 1, toolCalls: [] },
    });
  });

  it('says which step id is defined twice when the types are bypassed', () => {
    const builder = workflow('dup').transform('a', { run: () => 1 }) as unknown as {
      transform(id: string, options: object): unknown;
    };
    expect(() => builder.transform('a', { run: () => 2 })).toThrow('Workflow "dup" defines step "a" twice.');
  });
});
