import type { ServerApp } from '../../src/server/app.js';

/** A response as the tests saw it, kept to check against the OpenAPI document afterwards. */
export interface SeenResponse {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

export const seen: SeenResponse[] = [];

/** Calls the app in-process like an HTTP client would, and records the response. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read as untyped JSON; the OpenAPI test checks their shape
type Json = any;

export async function call(
  server: ServerApp,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await server.fetch(
    new Request(`http://127.0.0.1${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    }),
  );
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  const body = contentType.includes('json') && text ? JSON.parse(text) : text;
  seen.push({ method, path: new URL(path, 'http://x').pathname, status: response.status, contentType, body });
  return { status: response.status, body, headers: response.headers };
}
