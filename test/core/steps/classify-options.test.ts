import { describe, expect, it } from 'vitest';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

describe('branch classify options', () => {
  it('sends maxOutputTokens and temperature with the classifier call', async () => {
    const model = createScriptedModel([{ object: { route: 'billing', confidence: 0.9 } }]);
    const { engine } = setup({ model });
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'route',
            kind: 'branch',
            classify: { prompt: 'My invoice is wrong', maxOutputTokens: 256, temperature: 0 },
            routes: { billing: { steps: [] }, other: { steps: [] } },
            default: 'other',
          },
        ],
      }),
    );
    expect(result.status).toBe('succeeded');
    expect(model.calls[0]).toMatchObject({ maxOutputTokens: 256, temperature: 0 });
  });
});
