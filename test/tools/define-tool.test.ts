import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createScriptedModel } from '../../src/testing/index.js';
import { defineTool } from '../../src/tools/index.js';
import { define, setup } from '../core/fixtures.js';

describe('defineTool', () => {
  it('types the input from the Zod schema and runs in a tool step with a checked input', async () => {
    const seen: Array<{ city: string; days: number }> = [];
    const forecast = defineTool({
      description: 'Forecast for a city',
      inputSchema: z.object({ city: z.string(), days: z.number().int().default(1) }),
      execute: (input) => {
        expectTypeOf(input).toEqualTypeOf<{ city: string; days: number }>();
        seen.push(input);
        return { city: input.city, days: input.days, sky: 'clear' };
      },
    });
    expect(forecast.description).toBe('Forecast for a city');
    const { engine } = setup({ tools: { forecast } });
    const result = await engine.run(
      define({ steps: [{ id: 'look', kind: 'tool', tool: 'forecast', input: { city: 'Oslo' } }] }),
    );
    expect(result.output).toEqual({ look: { city: 'Oslo', days: 1, sky: 'clear' } });
    expect(seen).toEqual([{ city: 'Oslo', days: 1 }]);
  });

  it('describes the tool to an agent model with the JSON Schema of its input', async () => {
    const forecast = defineTool({
      description: 'Forecast for a city',
      inputSchema: z.object({ city: z.string() }),
      execute: ({ city }) => `${city}: clear`,
    });
    const model = createScriptedModel(['No need.']);
    const { engine } = setup({ model, tools: { forecast } });
    await engine.run(
      define({ steps: [{ id: 'a', kind: 'agent', prompt: 'Sky?', tools: ['forecast'], maxIterations: 2 }] }),
    );
    expect(model.calls[0]?.tools).toMatchObject([
      {
        type: 'function',
        name: 'forecast',
        description: 'Forecast for a city',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
  });
});
