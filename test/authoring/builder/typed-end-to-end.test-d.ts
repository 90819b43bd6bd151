import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type ApprovalOutcome,
  approvalOf,
  createBaton,
  type Definition,
  type RunResult,
  type WorkflowDefinition,
  workflow,
} from '../../../src/index.js';

const baton = createBaton();

const Draft = z.object({ title: z.string(), body: z.string() });

const publishing = workflow('publish', {
  input: z.object({ topic: z.string(), words: z.number().default(300) }),
})
  .llm('draft', { prompt: ({ input }) => `Write about ${input.topic}`, output: Draft })
  .approval('review', {
    needs: ['draft'],
    subject: ({ steps }) => steps.draft,
    output: Draft,
    onError: { route: 'rejected' },
  })
  .transform('publish', { needs: ['review'], run: ({ steps }) => ({ url: `/posts/${steps.review.title}` }) })
  .transform('rejected', { run: () => 'not published' as const })
  .build();

describe('build() keeps the types to the result', () => {
  it('returns a Definition typed by the input schema and the step outputs', () => {
    expectTypeOf(publishing).toExtend<Definition<{ topic: string; words?: number | undefined }>>();
    expectTypeOf(publishing).toExtend<WorkflowDefinition>();
  });

  it('does not compile a run with a missing or misspelled input', () => {
    // @ts-expect-error the input is required
    void baton.run(publishing);
    // @ts-expect-error `topic` is missing
    void baton.run(publishing, { input: {} });
    // @ts-expect-error `topik` is not a field
    void baton.run(publishing, { input: { topik: 'cats' } });
    // A field with a default may be left out.
    void baton.run(publishing, { input: { topic: 'cats' } });
  });

  it('types the output of a succeeded run, the waiting steps and the error by status', async () => {
    const result = await baton.run(publishing, { input: { topic: 'cats' } });
    if (result.status === 'succeeded') {
      expectTypeOf(result.output.draft).toEqualTypeOf<{ title: string; body: string }>();
      // Routed away from on a rejection, so possibly missing.
      expectTypeOf(result.output.publish).toEqualTypeOf<{ url: string } | undefined>();
      expectTypeOf(result.output.rejected).toEqualTypeOf<'not published' | undefined>();
    } else if (result.status === 'waiting') {
      expectTypeOf(result.waiting.paths).toEqualTypeOf<string[]>();
    } else {
      expectTypeOf(result.error.code).toBeString();
    }
  });

  it('types the output of an output mapping', async () => {
    const mapped = workflow('m')
      .transform('a', { run: () => 2 })
      .output(({ steps }) => ({ doubled: steps.a * 2 }))
      .build();
    const result = await baton.run(mapped);
    if (result.status === 'succeeded') expectTypeOf(result.output).toEqualTypeOf<{ doubled: number }>();
  });

  it('leaves untyped definitions untyped', async () => {
    const loaded = {} as WorkflowDefinition;
    const result = await baton.run(loaded, { input: { anything: 1 } });
    expectTypeOf(result).toEqualTypeOf<RunResult<unknown>>();
  });
});

describe('decisions are typed', () => {
  it('approves by reference or by a name that exists, with an edit of the approval output type', async () => {
    const ref = approvalOf(publishing, 'review');
    const approved = await baton.approve('run_1', ref, { edit: { title: 'T', body: 'B' } });
    if (approved.status === 'succeeded') expectTypeOf(approved.output.draft.title).toBeString();
    void baton.approve('run_1', 'review', { edit: { title: 'T', body: 'B' } }, { definition: publishing });
    // @ts-expect-error the edit misses `body`
    void baton.approve('run_1', ref, { edit: { title: 'T' } });
    // @ts-expect-error `title` is a string
    void baton.approve('run_1', 'review', { edit: { title: 1, body: 'B' } }, { definition: publishing });
    // @ts-expect-error there is no approval `reveiw`
    void baton.approve('run_1', 'reveiw', {}, { definition: publishing });
    // @ts-expect-error `draft` is not an approval
    approvalOf(publishing, 'draft');
    void baton.reject('run_1', ref, { reason: 'off topic', by: 'ana' });
  });

  it('gives a rejection to the workflow as a typed outcome', () => {
    workflow('o')
      .transform('draft', { run: () => ({ title: 'T' }) })
      .approval('review', {
        needs: ['draft'],
        subject: ({ steps }) => steps.draft,
        output: z.object({ title: z.string() }),
        outcome: true,
      })
      .transform('next', {
        needs: ['review'],
        run: ({ steps }) => {
          expectTypeOf(steps.review).toEqualTypeOf<ApprovalOutcome<{ title: string }>>();
          return steps.review.decision === 'rejected'
            ? `rejected by ${steps.review.by}: ${steps.review.reason}`
            : steps.review.value.title;
        },
      });
  });
});

describe('step names are checked at compile time', () => {
  const routed = () =>
    workflow('r', { input: z.object({ kind: z.enum(['billing', 'tech']) }) }).branch('route', {
      routes: {
        billing: { when: ({ input }) => input.kind === 'billing', steps: ['billing'] },
        tech: { steps: ['tech'] },
      },
      default: 'tech',
    });

  it('builds when every route step exists', () => {
    routed()
      .transform('billing', { run: () => 1 })
      .transform('tech', { run: () => 'x' })
      .build();
  });

  it('does not build with a misspelled route step', () => {
    const misspelled = workflow('r').branch('route', {
      routes: { billing: { steps: ['biling'] }, tech: { steps: ['tech'] } },
    });
    // @ts-expect-error route step "biling" is not defined
    misspelled
      .transform('billing', { run: () => 1 })
      .transform('tech', { run: () => 2 })
      .build();
  });

  it('does not build with a misspelled onError route', () => {
    const flow = workflow('e')
      .transform('risky', { run: () => 1, onError: { route: 'recovr' } })
      .transform('recover', { run: () => 0 });
    // @ts-expect-error onError route "recovr" is not defined
    flow.build();
  });

  it('does not compile a default that is not a route', () => {
    workflow('d').branch('route', {
      routes: { a: { steps: [] } },
      // @ts-expect-error `b` is not a route
      default: 'b',
    });
  });

  it('types a `when` function by the steps it needs', () => {
    workflow('w')
      .transform('score', { run: () => 0.5 })
      .transform('alert', {
        needs: ['score'],
        when: ({ steps }) => {
          expectTypeOf(steps.score).toEqualTypeOf<number>();
          return steps.score > 0.8;
        },
        run: () => 'alert',
      });
  });

  it('does not compile a duplicate step id, and names earlier steps in needs', () => {
    const flow = workflow('dup').transform('a', { run: () => 1 });
    // @ts-expect-error step "a" is already defined
    flow.transform('a', { run: () => 2 });
    // @ts-expect-error no step is defined before this one
    workflow('n').transform('first', { needs: ['later'], run: () => 1 });
  });
});

describe('skipped steps are typed as possibly missing', () => {
  it('types route steps, conditional steps and their dependents as optional', () => {
    workflow('s')
      .branch('route', { routes: { a: { steps: ['onA'] }, b: { steps: [] } } })
      .transform('onA', { run: () => 1 })
      .transform('maybe', { when: 'false', run: () => 'm' })
      .transform('afterA', { needs: ['onA'], run: ({ steps }) => steps.onA + 1 })
      .transform('always', { run: () => true })
      .transform('any', {
        needs: ['onA', 'always'],
        join: 'any',
        run: ({ steps }) => {
          expectTypeOf(steps.onA).toEqualTypeOf<number | undefined>();
          expectTypeOf(steps.always).toEqualTypeOf<boolean>();
          return 0;
        },
      })
      .output(({ steps }) => {
        expectTypeOf(steps.onA).toEqualTypeOf<number | undefined>();
        expectTypeOf(steps.maybe).toEqualTypeOf<string | undefined>();
        expectTypeOf(steps.afterA).toEqualTypeOf<number | undefined>();
        expectTypeOf(steps.always).toEqualTypeOf<boolean>();
        expectTypeOf(steps.route).toEqualTypeOf<{ route: 'a' | 'b'; confidence?: number; reason?: string }>();
        return steps.always;
      });
  });
});

describe('agent and workflow steps', () => {
  it('types an agent output from its schema and a called workflow from its definition', () => {
    const child = workflow('child', { input: z.object({ n: z.number() }) })
      .transform('twice', { run: ({ input }) => input.n * 2 })
      .output(({ steps }) => steps.twice)
      .build();
    workflow('parent')
      .agent('research', {
        prompt: 'Find it',
        tools: ['search'],
        maxIterations: 5,
        output: z.object({ answer: z.string() }),
      })
      .workflow('call', {
        workflow: child,
        // @ts-expect-error the child takes { n: number }
        input: () => ({ n: 'one' }),
      })
      .workflow('call2', { workflow: child, input: () => ({ n: 1 }) })
      .transform('use', {
        needs: ['research', 'call2'],
        run: ({ steps }) => {
          expectTypeOf(steps.research.answer).toBeString();
          expectTypeOf(steps.call2).toEqualTypeOf<number>();
          return 0;
        },
      });
  });
});
