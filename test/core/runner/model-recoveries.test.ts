import { describe, expect, it } from 'vitest';
import type { SubCallRecord } from '../../../src/core/index.js';
import { modelRecoveriesOf, modelRecoveryKind } from '../../../src/core/runner/model-recoveries.js';

const record = (sequence: number, kind: string, response?: unknown): SubCallRecord => ({
  runId: 'r',
  path: 'ask',
  sequence,
  kind,
  response,
  createdAt: 0,
});

describe('modelRecoveriesOf', () => {
  it("lists the retries and fallbacks of a step's attempts, oldest attempt first, and nothing else", () => {
    const retry = (attempt: number, retry: number) => ({ type: 'retry', attempt, retry });
    const calls = [
      record(-2, modelRecoveryKind, { recoveries: [retry(2, 1)] }),
      record(-1, modelRecoveryKind, { recoveries: [retry(1, 1), retry(1, 2)] }),
      record(-3, modelRecoveryKind, {}),
      record(0, 'generate', { recoveries: [retry(9, 9)] }),
    ];
    expect(modelRecoveriesOf(calls)).toEqual([retry(1, 1), retry(1, 2), retry(2, 1)]);
    expect(modelRecoveriesOf([record(-1, modelRecoveryKind)])).toEqual([]);
  });
});
