import { describe, expect, it } from 'vitest';
import { compileGraph, type Step, startOrder } from '../../../src/core/index.js';

const transform = (id: string, value: string, extra: Partial<Step> = {}): Step =>
  ({ id, kind: 'transform', value, ...extra }) as Step;

describe('startOrder', () => {
  it('starts steps without dependencies in written order, then each as its last dependency ends', () => {
    const steps = [
      transform('report', 'steps.draft & steps.facts'),
      transform('draft', '$$.steps.research'),
      transform('research', '"r"'),
      transform('facts', '"f"'),
    ];
    const order = startOrder(compileGraph(steps)).map((index) => steps[index]?.id);
    expect(order).toEqual(['research', 'facts', 'draft', 'report']);
  });

  it('puts the steps of a route after their branch, and leaves out steps on a cycle', () => {
    const routed: Step[] = [
      transform('fix', '"fixed"'),
      { id: 'check', kind: 'branch', routes: { bad: { when: 'true', steps: ['fix'] } } } as Step,
    ];
    expect(startOrder(compileGraph(routed)).map((index) => routed[index]?.id)).toEqual(['check', 'fix']);
    const cycle = [transform('a', 'steps.b'), transform('b', 'steps.a'), transform('c', '1')];
    expect(startOrder(compileGraph(cycle)).map((index) => cycle[index]?.id)).toEqual(['c']);
  });
});
