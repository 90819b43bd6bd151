/**
 * The one error class of Baton. Every failure a user can see carries a stable `code`, the place it
 * happened (a step path or a file:line:column) and one sentence on what to do.
 * @module
 */

export type BatonErrorCode =
  | 'WORKFLOW_INVALID'
  | 'WORKFLOW_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'MISSING_INPUT'
  | 'OUTPUT_INVALID'
  | 'OUTPUT_TRUNCATED'
  | 'STATE_INVALID'
  | 'AGENT_FAILED'
  | 'TOOL_REFUSED'
  | 'EXPRESSION_FAILED'
  | 'STEP_FAILED'
  | 'STEP_TIMEOUT'
  | 'STEP_KIND_UNAVAILABLE'
  | 'FUNCTION_NOT_FOUND'
  | 'TOOL_NOT_FOUND'
  | 'TOOL_FAILED'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_CALL_FAILED'
  | 'RATE_LIMITED'
  | 'BUDGET_EXCEEDED'
  | 'LOOP_LIMIT_REACHED'
  | 'LOOP_STUCK'
  | 'APPROVAL_REJECTED'
  | 'APPROVAL_NOT_PENDING'
  | 'QUESTION_NOT_PENDING'
  | 'RUN_NOT_FOUND'
  | 'RUN_CANCELLED'
  | 'STORE_CONFLICT'
  | 'LEASE_LOST'
  | 'STORE_UNAVAILABLE';

/** A place in an authored file, 1-based. */
export interface SourceLocation {
  file?: string;
  line: number;
  column: number;
}

export interface BatonErrorOptions {
  cause?: unknown;
  stepPath?: string | undefined;
  location?: SourceLocation | undefined;
  retryable?: boolean;
  retryAfterMs?: number | undefined;
  hint?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** The JSON form of an error, as the journal stores it and the HTTP API returns it. */
export interface SerializedError {
  code: BatonErrorCode;
  message: string;
  stepPath?: string;
  location?: SourceLocation;
  retryable: boolean;
  retryAfterMs?: number;
  hint?: string;
  details?: Record<string, unknown>;
  cause?: { name: string; message: string; stack?: string };
}

// A symbol from the global registry survives two copies of the package in one process.
const marker = Symbol.for('baton.error');

/**
 * An error with a stable code, the step path or source location it belongs to, and a hint.
 *
 * @example
 * ```ts
 * throw new BatonError('TOOL_NOT_FOUND', 'Tool "send_email" is not registered.', {
 *   stepPath: 'notify',
 *   hint: 'Register it with createBaton({ tools: { send_email } }).',
 * });
 * ```
 */
export class BatonError extends Error {
  readonly [marker] = true;
  readonly code: BatonErrorCode;
  readonly stepPath: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: BatonErrorCode, message: string, options: BatonErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BatonError';
    this.code = code;
    this.stepPath = options.stepPath;
    this.location = options.location;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.hint = options.hint === undefined ? undefined : redactSecrets(options.hint);
    this.details = options.details === undefined ? undefined : redactValue(options.details);
  }

  /** True for a BatonError from any copy of this package, optionally of one code. */
  static is(error: unknown, code?: BatonErrorCode): error is BatonError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[marker] === true &&
      (code === undefined || (error as BatonError).code === code)
    );
  }

  /** The message with its place and hint, as the CLI prints it. */
  describe(): string {
    const where = this.location
      ? `${this.location.file ?? '<input>'}:${this.location.line}:${this.location.column}: `
      : '';
    const hint = this.hint ? ` ${this.hint}` : '';
    return `${where}${this.message}${hint} See docs/errors.md#${this.code.toLowerCase().replaceAll('_', '-')}`;
  }
}

/** Turns any thrown value into the JSON the journal keeps; nothing of the original is dropped. */
export function serializeError(error: unknown): SerializedError {
  const baton = BatonError.is(error) ? error : toBatonError(error, 'STEP_FAILED');
  const serialized: SerializedError = {
    code: baton.code,
    message: baton.message,
    retryable: baton.retryable,
  };
  if (baton.stepPath !== undefined) serialized.stepPath = baton.stepPath;
  if (baton.location !== undefined) serialized.location = baton.location;
  if (baton.retryAfterMs !== undefined) serialized.retryAfterMs = baton.retryAfterMs;
  if (baton.hint !== undefined) serialized.hint = baton.hint;
  if (baton.details !== undefined) serialized.details = baton.details;
  const cause = baton.cause;
  if (cause instanceof Error) {
    serialized.cause = { name: cause.name, message: redactSecrets(cause.message) };
    if (cause.stack !== undefined) serialized.cause.stack = redactSecrets(cause.stack);
  }
  return serialized;
}

/**
 * Text with credentials masked: the password of a URL's userinfo (`https://user:KEY@host`) and
 * key-like query parameters (`?api_key=...`). Errors pass everything they carry through it, so a
 * key written into a base URL reaches no message, event or journal record.
 *
 * @example
 * ```ts
 * redactSecrets('fetch failed: http://me:sk-123@10.0.0.1/v1'); // 'fetch failed: http://me:***@10.0.0.1/v1'
 * ```
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#@]*)@/gi, '$1$2:***@')
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]+)@/gi, '$1***@')
    .replace(/([?&](?:api[_-]?key|key|token|access[_-]?token|secret|password)=)[^&\s"'#]+/gi, '$1***');
}

function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactValue) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactValue(inner)])) as T;
  }
  return value;
}

/** The inverse of {@link serializeError}. */
export function deserializeError(data: SerializedError): BatonError {
  const cause = data.cause ? Object.assign(new Error(data.cause.message), data.cause) : undefined;
  return new BatonError(data.code, data.message, {
    cause,
    stepPath: data.stepPath,
    location: data.location,
    retryable: data.retryable,
    retryAfterMs: data.retryAfterMs,
    hint: data.hint,
    details: data.details,
  });
}

/**
 * Wraps a foreign error. Retryability comes from what the error says of itself where it was made
 * (`isRetryable` on AI SDK errors, `retryable` on tool errors), never from its text.
 */
export function toBatonError(error: unknown, code: BatonErrorCode, stepPath?: string): BatonError {
  if (BatonError.is(error)) {
    if (error.stepPath !== undefined || stepPath === undefined) return error;
    return new BatonError(error.code, error.message, {
      cause: error.cause,
      stepPath,
      location: error.location,
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
      hint: error.hint,
      details: error.details,
    });
  }
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const message = error instanceof Error ? error.message : String(error);
  const retryable = record.isRetryable === true || record.retryable === true;
  const retryAfterMs = typeof record.retryAfterMs === 'number' ? record.retryAfterMs : undefined;
  return new BatonError(code, stepPath ? `Step "${stepPath}" failed: ${message}` : message, {
    cause: error,
    stepPath,
    retryable,
    retryAfterMs,
  });
}
