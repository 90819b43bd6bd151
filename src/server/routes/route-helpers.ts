import type { MiddlewareHandler, ValidationTargets } from 'hono';
import { resolver, validator } from 'hono-openapi';
import { z } from 'zod';
import { ErrorBodySchema } from '../api-schemas.js';
import { hasRole, type Role } from '../auth.js';
import { errorBody } from '../error-response.js';
import type { ApiEnv } from '../server-deps.js';

const descriptions: Record<number, string> = {
  400: 'The request is invalid (the problems say where).',
  401: 'No valid bearer token.',
  403: 'The token’s role may not do this.',
  404: 'No such workflow, run or step.',
  409: 'Already decided, or the run is busy.',
  422: 'The edit does not match the schema (the problems say where).',
};

/** Error responses of a route, for the OpenAPI document: 401 and 403 always. */
export function errorResponses(...statuses: Array<400 | 404 | 409 | 422>) {
  const responses: Record<number, ReturnType<typeof jsonResponse>> = {};
  for (const status of [401, 403, ...statuses]) {
    responses[status] = jsonResponse(ErrorBodySchema, descriptions[status] ?? 'Error');
  }
  return responses;
}

/** A JSON response of a route, for the OpenAPI document. */
export function jsonResponse(schema: z.ZodType, description: string) {
  return { description, content: { 'application/json': { schema: resolver(schema) } } };
}

/**
 * Validates a part of the request with a Zod schema (and documents it); a failure is a 400 with
 * one problem per issue.
 */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return validator(target, schema, (result, c) => {
    if (result.success) return;
    const problems = result.error.map((issue) => ({
      path:
        (issue.path ?? [])
          .map((part) => String(typeof part === 'object' && part !== null && 'key' in part ? part.key : part))
          .join('.') || '(root)',
      message: issue.message,
    }));
    return c.json(errorBody('INPUT_INVALID', `The request ${target} is invalid.`, { problems }), 400);
  });
}

/** Refuses a caller whose role is below `role` with 403. */
export function requireRole(role: Role): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const caller = c.get('caller');
    if (!hasRole(caller, role)) {
      return c.json(
        errorBody('FORBIDDEN', `${caller.name} has the ${caller.role} role; this needs ${role} or above.`),
        403,
      );
    }
    return next();
  };
}

export const RunIdParam = z.object({ id: z.string() });
