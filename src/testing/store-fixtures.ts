import type { RunRecord, StepRecord, Store, SubCallRecord } from '../core/index.js';

/** Gives each test of the store contract the store created for it. */
export type StoreSubject = () => Store;

/** A run record for store tests; `overrides` replace its fields. */
export function runFixture(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run_1',
    workflowName: 'triage',
    workflowHash: 'c0ffee'.repeat(10).slice(0, 64),
    definition: {
      name: 'triage',
      steps: [
        { id: 'extract', kind: 'llm', prompt: 'Extract the numbers: {{ input.question }}' },
        { id: 'answer', kind: 'transform', value: '$sum(steps.extract.numbers)' },
      ],
    },
    input: { question: 'How much did Sally earn?' },
    status: 'running',
    createdAt: 1_700_000_000_000,
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    costUsd: 0,
    ...overrides,
  };
}

/** A step record of `run_1` at path `answer`; `overrides` replace its fields. */
export function stepFixture(overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    runId: 'run_1',
    path: 'answer',
    stepId: 'answer',
    kind: 'transform',
    status: 'succeeded',
    attempt: 1,
    startedAt: 1_700_000_001_000,
    ...overrides,
  };
}

/** A tool call of step `agent` in `run_1`; `overrides` replace its fields. */
export function subCallFixture(overrides: Partial<SubCallRecord> = {}): SubCallRecord {
  return {
    runId: 'run_1',
    path: 'agent',
    sequence: 0,
    kind: 'tool-call',
    name: 'get_weather',
    request: { city: 'Lyon' },
    response: { temperature: 20 },
    createdAt: 1_700_000_001_000,
    ...overrides,
  };
}
