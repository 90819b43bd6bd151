import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';

const base = () =>
  workflow('review', { input: z.object({ diff: z.string() }) }).llm('extract', {
    prompt: ({ input }) => {
      expectTypeOf(input.diff).toEqualTypeOf<string>();
      return input.diff;
    },
    output: z.object({ files: z.array(z.string()), summary: z.string() }),
  });

describe('workflow builder types', () => {
  it('types a step output from its Zod schema for the steps that need it', () => {
    base().transform('count', {
      needs: ['extract'],
      run: ({ steps }) => {
        expectTypeOf(steps.extract.files).toEqualTypeOf<string[]>();
        return steps.extract.files.length;
      },
    });
  });

  it('does not compile a read of a step that is not a dependency', () => {
    base()
      .transform('other', { run: () => 1 })
      .transform('count', {
        needs: ['other'],
        // @ts-expect-error extract is not in needs
        run: ({ steps }) => steps.extract.files.length,
      });
  });

  it('does not compile a field the output schema does not have', () => {
    base().transform('count', {
      needs: ['extract'],
      // @ts-expect-error the schema has no `lines`
      run: ({ steps }) => steps.extract.lines,
    });
  });

  it('does not compile a dependency on a step that does not exist', () => {
    base().transform('count', {
      // @ts-expect-error there is no step `ghost`
      needs: ['ghost'],
      run: () => 1,
    });
  });

  it('types a function result and a text llm output', () => {
    base()
      .llm('draft', { prompt: 'Write', needs: [] })
      .transform('upper', {
        needs: ['draft', 'extract'],
        run: ({ steps }) => {
          expectTypeOf(steps.draft).toEqualTypeOf<string>();
          return { loud: steps.draft.toUpperCase() };
        },
      })
      .transform('use', {
        needs: ['upper'],
        run: ({ steps }) => expectTypeOf(steps.upper.loud).toEqualTypeOf<string>(),
      });
  });

  it('types map items and results', () => {
    base()
      .map('reviews', {
        needs: ['extract'],
        items: ({ steps }) => steps.extract.files,
        each: (file) =>
          file.transform('size', {
            run: ({ item, index }) => {
              expectTypeOf(item).toEqualTypeOf<string>();
              expectTypeOf(index).toEqualTypeOf<number>();
              return item.length;
            },
          }),
        result: ({ steps, item }) => ({ file: item, size: steps.size }),
      })
      .transform('total', {
        needs: ['reviews'],
        run: ({ steps }) => {
          expectTypeOf(steps.reviews).toEqualTypeOf<Array<{ file: string; size: number }>>();
          return steps.reviews.length;
        },
      });
  });

  it('types branch routes', () => {
    base()
      .branch('route', {
        routes: { small: { when: 'true', steps: [] }, large: { steps: [] } },
        default: 'large',
      })
      .transform('use', {
        needs: ['route'],
        run: ({ steps }) => expectTypeOf(steps.route.route).toEqualTypeOf<'small' | 'large'>(),
      });
  });
});
