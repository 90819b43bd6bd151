import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeForError, exitCodeForRun } from '../../src/cli/exit-codes.js';
import { BatonError } from '../../src/core/index.js';

describe('exit codes', () => {
  it('maps a run to 0, 1, 3 or 130 by its status', () => {
    expect(exitCodeForRun('succeeded')).toBe(ExitCode.ok);
    expect(exitCodeForRun('failed', 'STEP_FAILED')).toBe(ExitCode.failed);
    expect(exitCodeForRun('waiting')).toBe(ExitCode.waiting);
    expect(exitCodeForRun('cancelled')).toBe(ExitCode.cancelled);
  });

  it('makes a run that failed on its input a usage error', () => {
    expect(exitCodeForRun('failed', 'INPUT_INVALID')).toBe(ExitCode.usage);
  });

  it('maps validation and lookup errors to 2 and anything unknown to 1', () => {
    expect(exitCodeForError(new BatonError('WORKFLOW_INVALID', 'x'))).toBe(2);
    expect(exitCodeForError(new BatonError('RUN_NOT_FOUND', 'x'))).toBe(2);
    expect(exitCodeForError(new BatonError('RUN_CANCELLED', 'x'))).toBe(130);
    expect(exitCodeForError(new BatonError('STORE_UNAVAILABLE', 'x'))).toBe(1);
    expect(exitCodeForError(new Error('a bug'))).toBe(1);
  });
});
