import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BatonError, type BatonErrorCode } from '../core/index.js';
import { problemsOf } from './workflow-catalog.js';

/** The HTTP status of each error code a request can cause; anything else is a 500. */
const statusOf: Partial<Record<BatonErrorCode, ContentfulStatusCode>> = {
  INPUT_INVALID: 400,
  MISSING_INPUT: 400,
  WORKFLOW_INVALID: 400,
  CONFIG_INVALID: 400,
  MODEL_NOT_FOUND: 400,
  FUNCTION_NOT_FOUND: 400,
  TOOL_NOT_FOUND: 400,
  STEP_FAILED: 400,
  OUTPUT_INVALID: 422,
  RUN_NOT_FOUND: 404,
  WORKFLOW_NOT_FOUND: 404,
  APPROVAL_NOT_PENDING: 409,
  QUESTION_NOT_PENDING: 409,
  STORE_CONFLICT: 409,
  LEASE_LOST: 409,
  STORE_UNAVAILABLE: 503,
};

/** An error response: `{ error: { code, message, hint?, stepPath?, problems? } }`. */
export function errorBody(
  code: string,
  message: string,
  extra: {
    hint?: string | undefined;
    stepPath?: string | undefined;
    problems?: ReturnType<typeof problemsOf>;
  } = {},
) {
  return {
    error: {
      code,
      message,
      ...(extra.hint === undefined ? {} : { hint: extra.hint }),
      ...(extra.stepPath === undefined ? {} : { stepPath: extra.stepPath }),
      ...(extra.problems === undefined ? {} : { problems: extra.problems }),
    },
  };
}

/**
 * Answers a failed request: a BatonError keeps its code, message, hint and problems with the
 * status its code means (`statusFor` overrides it, e.g. an invalid edit is 422); anything else is
 * a 500 whose details stay in the server's log. `hintFor` says what to do where the caller's
 * fix differs from the engine's (an edit, not the step, is wrong).
 */
export function errorResponse(
  c: Context,
  error: unknown,
  statusFor: Partial<Record<BatonErrorCode, ContentfulStatusCode>> = {},
  hintFor: Partial<Record<BatonErrorCode, string>> = {},
): Response {
  if (!BatonError.is(error)) {
    console.error(error);
    return c.json(errorBody('INTERNAL', 'The server failed to answer; its log has the details.'), 500);
  }
  const status = statusFor[error.code] ?? statusOf[error.code] ?? 500;
  if (status === 500) console.error(error);
  const problems = ['INPUT_INVALID', 'OUTPUT_INVALID', 'WORKFLOW_INVALID'].includes(error.code)
    ? problemsOf(error)
    : undefined;
  return c.json(
    errorBody(error.code, error.message, {
      hint: hintFor[error.code] ?? error.hint,
      stepPath: error.stepPath,
      ...(problems ? { problems } : {}),
    }),
    status,
  );
}
