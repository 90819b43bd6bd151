import { describe, expect, it } from 'vitest';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const routes = {
  billing: { when: 'input.topic = "money"', description: 'payments and invoices', steps: ['billing'] },
  tech: { when: 'input.topic = "bug"', description: 'technical problems', steps: ['tech'] },
  general: { description: 'anything else', steps: ['general'] },
};
const handlers = [
  { id: 'billing', kind: 'transform' as const, value: '"billing team"' },
  { id: 'tech', kind: 'transform' as const, value: '"engineers"' },
  { id: 'general', kind: 'transform' as const, value: '"front desk"' },
  {
    id: 'reply',
    kind: 'transform' as const,
    value: 'steps.billing & steps.tech & steps.general',
    needs: ['billing', 'tech', 'general'],
    join: 'any' as const,
  },
];

describe('branch step', () => {
  it('takes the first route whose condition holds and skips the others', async () => {
    const { engine, ofType } = setup();
    const result = await engine.run(
      define({ steps: [{ id: 'route', kind: 'branch', routes, default: 'general' }, ...handlers] }),
      {
        input: { topic: 'bug' },
      },
    );
    expect(result.output).toMatchObject({ route: { route: 'tech' }, reply: 'engineers' });
    expect(
      ofType('step-skip')
        .map((event) => event.path)
        .sort(),
    ).toEqual(['billing', 'general']);
  });

  it('falls back to the default route', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({ steps: [{ id: 'route', kind: 'branch', routes, default: 'general' }, ...handlers] }),
      {
        input: { topic: 'weather' },
      },
    );
    expect(result.output).toMatchObject({ route: { route: 'general' }, reply: 'front desk' });
  });

  it('lets a model classify over the route descriptions', async () => {
    const model = createScriptedModel([
      { object: { route: 'billing', confidence: 0.93, reason: 'invoice' } },
    ]);
    const { engine } = setup({ model });
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'route',
            kind: 'branch',
            routes,
            default: 'general',
            classify: { prompt: '{{ input.text }}', threshold: 0.7 },
          },
          ...handlers,
        ],
      }),
      { input: { text: 'I was charged twice' } },
    );
    expect(result.output).toMatchObject({
      route: { route: 'billing', confidence: 0.93 },
      reply: 'billing team',
    });
    const system = JSON.stringify(model.calls[0]?.prompt);
    expect(system).toContain('billing: payments and invoices');
  });

  it('takes the default route when the model is not confident enough', async () => {
    const model = createScriptedModel([{ object: { route: 'tech', confidence: 0.4 } }]);
    const { engine } = setup({ model });
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'route',
            kind: 'branch',
            routes,
            default: 'general',
            classify: { prompt: 'hm', threshold: 0.7 },
          },
          ...handlers,
        ],
      }),
    );
    expect(result.output).toMatchObject({
      route: { route: 'general', classified: 'tech' },
      reply: 'front desk',
    });
  });
});
