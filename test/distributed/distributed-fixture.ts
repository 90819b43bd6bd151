import type { Step, WorkflowDefinition, WorkflowFunction } from '../../src/core/index.js';

/**
 * The workflow the distributed tests run: a chain, a fan-out with a join, a map over a list, an
 * approval and a last step reading them all; `transform` steps backed by TypeScript functions that
 * report each execution through `onExecute` and may wait, so outputs depend only on the input.
 */
export function createDistributedWorkflow(
  onExecute: (path: string, runId: string) => void,
  waitMs: (path: string) => number = () => 0,
): WorkflowDefinition {
  const functions: Record<string, WorkflowFunction> = {};
  const define = (name: string, path: (scope: Scope) => string, compute: (scope: Scope) => unknown) => {
    functions[name] = async (scope: Scope) => {
      const at = path(scope);
      onExecute(at, scope.run.id);
      const wait = waitMs(at);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return compute(scope);
    };
  };
  const steps: Step[] = [{ id: 'seed', kind: 'transform', value: { function: 'seed' } }];
  define(
    'seed',
    () => 'seed',
    ({ input }) => ({ base: input.base, items: Array.from({ length: 4 }, (_, index) => index + input.base) }),
  );
  steps.push({ id: 'chain1', kind: 'transform', value: { function: 'chain1' }, needs: ['seed'] });
  define(
    'chain1',
    () => 'chain1',
    ({ steps: out }) => out.seed.base * 31 + 1,
  );
  steps.push({ id: 'chain2', kind: 'transform', value: { function: 'chain2' }, needs: ['chain1'] });
  define(
    'chain2',
    () => 'chain2',
    ({ input, steps: out }) => {
      if (input.base < 0) throw new Error('The base must not be negative.');
      return (out.chain1 * 31 + 2) % 1_000_003;
    },
  );
  const fans = ['fan1', 'fan2', 'fan3'];
  for (const [index, id] of fans.entries()) {
    steps.push({ id, kind: 'transform', value: { function: id }, needs: ['seed'] });
    define(
      id,
      () => id,
      ({ steps: out }) => out.seed.base * (index + 2),
    );
  }
  steps.push({ id: 'join', kind: 'transform', value: { function: 'join' }, needs: fans });
  define(
    'join',
    () => 'join',
    ({ steps: out }) => fans.reduce((sum, id) => sum + out[id], 0),
  );
  steps.push({
    id: 'each',
    kind: 'map',
    items: 'steps.seed.items',
    concurrency: 2,
    steps: [{ id: 'square', kind: 'transform', value: { function: 'square' } }],
  });
  define(
    'square',
    ({ index }) => `each[${index}]/square`,
    ({ item }) => item * item,
  );
  steps.push({
    id: 'review',
    kind: 'approval',
    subject: { total: '{{ steps.join }}' },
    needs: ['join', 'chain2'],
  });
  steps.push({
    id: 'last',
    kind: 'transform',
    value: { function: 'last' },
    needs: ['review', 'each', 'chain2'],
  });
  define(
    'last',
    () => 'last',
    ({ steps: out }) => ({
      chain: out.chain2,
      squares: out.each.map((item: { square: number }) => item.square),
      review: out.review,
    }),
  );
  return { workflow: { name: 'distributed', steps }, functions };
}

// biome-ignore lint/suspicious/noExplicitAny: scopes of test functions are plain JSON
type Scope = { input: any; steps: any; item?: any; index?: number; run: { id: string } };

/** A graphile-worker schema of its own for a test, dropped with `dropSchema`. */
export function queueSchemaFor(storeSchema: string): string {
  return `${storeSchema}_queue`;
}
