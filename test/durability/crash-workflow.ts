import type { Step, WorkflowDefinition, WorkflowFunction } from '../../src/core/index.js';

/**
 * The workflow the crash test kills and resumes: a chain, a fan-out with a join, and a map over a
 * list, all `transform` steps backed by TypeScript functions. Each function reports its step
 * path through `onExecute` when it starts, and some wait a few milliseconds, so kills land in the
 * middle of steps as well as between them. Outputs depend only on inputs, never on timing.
 */
export const crashInput = { base: 7, size: 500 };

const chainLength = 10;
const fanWidth = 12;

export function createCrashWorkflow(onExecute: (path: string) => void): WorkflowDefinition {
  const functions: Record<string, WorkflowFunction> = {};
  const define = (name: string, path: (scope: Scope) => string, compute: (scope: Scope) => unknown) => {
    functions[name] = async (scope: Scope) => {
      const at = path(scope);
      onExecute(at);
      const wait = pauseFor(at);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return compute(scope);
    };
  };
  const steps: Step[] = [{ id: 'seed', kind: 'transform', value: { function: 'seed' } }];
  define(
    'seed',
    () => 'seed',
    ({ input }) => ({ base: input.base, items: Array.from({ length: input.size }, (_, index) => index) }),
  );

  for (let link = 1; link <= chainLength; link++) {
    const previous = link === 1 ? 'seed' : `chain${link - 1}`;
    steps.push({
      id: `chain${link}`,
      kind: 'transform',
      value: { function: `chain${link}` },
      needs: [previous],
    });
    define(
      `chain${link}`,
      () => `chain${link}`,
      ({ steps: outputs }) => (link === 1 ? outputs.seed.base : outputs[previous] * 31 + link) % 1_000_003,
    );
  }

  const fans = Array.from({ length: fanWidth }, (_, index) => `fan${index + 1}`);
  for (const [index, id] of fans.entries()) {
    steps.push({ id, kind: 'transform', value: { function: id }, needs: ['seed'] });
    define(
      id,
      () => id,
      ({ steps: outputs }) => ({ fan: index + 1, value: outputs.seed.base * (index + 1) ** 2 }),
    );
  }
  steps.push({ id: 'join', kind: 'transform', value: { function: 'join' }, needs: fans });
  define(
    'join',
    () => 'join',
    ({ steps: outputs }) => fans.reduce((sum, id) => sum + outputs[id].value, 0),
  );

  steps.push({
    id: 'each',
    kind: 'map',
    items: 'steps.seed.items',
    concurrency: 4,
    steps: [
      { id: 'square', kind: 'transform', value: { function: 'square' } },
      { id: 'label', kind: 'transform', value: { function: 'label' }, needs: ['square'] },
    ],
  });
  define(
    'square',
    ({ index }) => `each[${index}]/square`,
    ({ item, steps: outputs }) => item * item + outputs.seed.base,
  );
  define(
    'label',
    ({ index }) => `each[${index}]/label`,
    ({ index, steps: outputs }) => `item ${index}: ${outputs.square}`,
  );

  steps.push({
    id: 'final',
    kind: 'transform',
    value: { function: 'final' },
    needs: [`chain${chainLength}`, 'join', 'each'],
  });
  define(
    'final',
    () => 'final',
    ({ steps: outputs }) => ({
      chain: outputs[`chain${chainLength}`],
      join: outputs.join,
      labels: outputs.each.length,
      last: outputs.each.at(-1),
    }),
  );

  return { workflow: { name: 'crash-resume', steps }, functions };
}

// biome-ignore lint/suspicious/noExplicitAny: the scope of a workflow function is untyped JSON
type Scope = { input: any; steps: any; item?: any; index?: number };

/** A third of the steps wait 1-4 ms, chosen by a hash of the path so every run waits alike. */
function pauseFor(path: string): number {
  let hash = 2166136261;
  for (let index = 0; index < path.length; index++)
    hash = Math.imul(hash ^ path.charCodeAt(index), 16777619) >>> 0;
  return hash % 3 === 0 ? 1 + (hash % 4) : 0;
}
