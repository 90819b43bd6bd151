import { describe, expect, it } from 'vitest';
import { BatonError, deserializeError, serializeError, toBatonError } from '../../src/core/errors.js';

// The CLI prints errors through `describe()`; its own tests spawn the CLI, which a mutant in this
// process never reaches, so the text is checked here as well.
describe('BatonError.describe', () => {
  it('starts with the file, line and column of the place, and links the code to the docs', () => {
    const error = new BatonError('WORKFLOW_INVALID', 'Unknown step kind.', {
      location: { file: 'flows/a.yaml', line: 3, column: 7 },
    });
    expect(error.describe()).toBe('flows/a.yaml:3:7: Unknown step kind. See docs/errors.md#workflow-invalid');
  });

  it('names <input> for a place without a file', () => {
    const error = new BatonError('INPUT_INVALID', 'Bad input.', { location: { line: 1, column: 2 } });
    expect(error.describe()).toBe('<input>:1:2: Bad input. See docs/errors.md#input-invalid');
  });

  it('adds the hint after the message, and nothing before it without a place', () => {
    const error = new BatonError('TOOL_NOT_FOUND', 'Tool "x" is not registered.', {
      hint: 'Register it.',
    });
    expect(error.describe()).toBe(
      'Tool "x" is not registered. Register it. See docs/errors.md#tool-not-found',
    );
    expect(new BatonError('RUN_NOT_FOUND', 'No run.').describe()).toBe(
      'No run. See docs/errors.md#run-not-found',
    );
  });

  it('is the same after the error went through the journal', () => {
    const error = new BatonError('STEP_TIMEOUT', 'Too slow.', {
      stepPath: 'a',
      location: { file: 'f.yaml', line: 2, column: 1 },
      hint: 'Raise the timeout.',
      retryable: true,
      retryAfterMs: 5,
      details: { limitMs: 10 },
      cause: new TypeError('inner'),
    });
    const back = deserializeError(serializeError(error));
    expect(back.describe()).toBe(error.describe());
    expect(serializeError(back)).toEqual(serializeError(error));
    expect(back.cause).toMatchObject({ name: 'TypeError', message: 'inner' });
  });
});

describe('toBatonError', () => {
  it('gives a step path to an error that has none, keeping everything else', () => {
    const error = new BatonError('TOOL_FAILED', 'Broke.', { retryable: true, retryAfterMs: 3, hint: 'h' });
    const placed = toBatonError(error, 'STEP_FAILED', 'a.b');
    expect(serializeError(placed)).toEqual({ ...serializeError(error), stepPath: 'a.b' });
    expect(toBatonError(placed, 'STEP_FAILED', 'c')).toBe(placed);
    expect(toBatonError(error, 'STEP_FAILED')).toBe(error);
  });
});
