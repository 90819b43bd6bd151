import { BatonError, type BatonErrorCode, type RunStatus } from '../core/index.js';

/**
 * Exit codes of `baton`. This file is the one table that maps outcomes to them; docs/cli.md
 * repeats it.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success (the run succeeded, the command did what it was asked) |
 * | 1 | the run failed (a step, a model, a tool, a budget), or the store failed |
 * | 2 | usage or validation error: bad arguments, an invalid workflow or input, an unknown run, step or model |
 * | 3 | the run is waiting for a person (an approval step) |
 * | 4 | `baton eval`: a gated variant's verdict is inconclusive |
 * | 130 | the run was cancelled (Ctrl-C, or `baton cancel`) |
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  waiting: 3,
  inconclusive: 4,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

// Every code is listed, so a new code cannot reach users without a decision here.
const exitCodeByErrorCode = {
  WORKFLOW_INVALID: ExitCode.usage,
  WORKFLOW_NOT_FOUND: ExitCode.usage,
  CONFIG_INVALID: ExitCode.usage,
  INPUT_INVALID: ExitCode.usage,
  MODEL_NOT_FOUND: ExitCode.usage,
  RUN_NOT_FOUND: ExitCode.usage,
  APPROVAL_NOT_PENDING: ExitCode.usage,
  QUESTION_NOT_PENDING: ExitCode.usage,
  OUTPUT_INVALID: ExitCode.failed,
  OUTPUT_TRUNCATED: ExitCode.failed,
  STATE_INVALID: ExitCode.failed,
  AGENT_FAILED: ExitCode.failed,
  TOOL_REFUSED: ExitCode.failed,
  EXPRESSION_FAILED: ExitCode.failed,
  STEP_FAILED: ExitCode.failed,
  STEP_TIMEOUT: ExitCode.failed,
  STEP_KIND_UNAVAILABLE: ExitCode.failed,
  FUNCTION_NOT_FOUND: ExitCode.failed,
  TOOL_NOT_FOUND: ExitCode.failed,
  TOOL_FAILED: ExitCode.failed,
  MISSING_INPUT: ExitCode.failed,
  MODEL_CALL_FAILED: ExitCode.failed,
  RATE_LIMITED: ExitCode.failed,
  BUDGET_EXCEEDED: ExitCode.failed,
  LOOP_LIMIT_REACHED: ExitCode.failed,
  LOOP_STUCK: ExitCode.failed,
  APPROVAL_REJECTED: ExitCode.failed,
  STORE_CONFLICT: ExitCode.failed,
  LEASE_LOST: ExitCode.failed,
  STORE_UNAVAILABLE: ExitCode.failed,
  RUN_CANCELLED: ExitCode.cancelled,
} as const satisfies Record<BatonErrorCode, ExitCode>;

/**
 * The exit code for an error a command ended with. Anything that is not a BatonError is a bug
 * or an environment failure: 1.
 *
 * @example
 * ```ts
 * exitCodeForError(new BatonError('WORKFLOW_INVALID', '...')); // 2
 * ```
 */
export function exitCodeForError(error: unknown): ExitCode {
  if (!BatonError.is(error)) return ExitCode.failed;
  return (exitCodeByErrorCode as Record<string, ExitCode>)[error.code] ?? ExitCode.failed;
}

/**
 * The exit code for how a run ended. A failed run exits by its error's code: a run that failed
 * because its input was invalid is a usage error, not a failed run.
 *
 * @example
 * ```ts
 * exitCodeForRun('waiting'); // 3
 * ```
 */
export function exitCodeForRun(status: RunStatus, errorCode?: BatonErrorCode): ExitCode {
  switch (status) {
    case 'succeeded':
      return ExitCode.ok;
    case 'waiting':
      return ExitCode.waiting;
    case 'cancelled':
      return ExitCode.cancelled;
    case 'running':
      return ExitCode.ok;
    case 'failed': {
      const code: ExitCode = errorCode === undefined ? ExitCode.failed : exitCodeByErrorCode[errorCode];
      // A failed run never exits as if it were cancelled.
      return code === ExitCode.cancelled ? ExitCode.failed : code;
    }
  }
}
