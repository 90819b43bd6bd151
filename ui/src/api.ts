import type { Problem, Role } from './api-types.ts';

const tokenKey = 'baton.token';

/** The bearer token, kept for this tab only: the Studio sets no cookie, so there is nothing to forge. */
export function readToken(): string | null {
  return sessionStorage.getItem(tokenKey);
}

export function saveToken(token: string | null): void {
  if (token) sessionStorage.setItem(tokenKey, token);
  else sessionStorage.removeItem(tokenKey);
}

/** What a refused request said: the HTTP status and the server's `{ error }` body. */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  problems: Problem[];
}

/** The failure carried by an error thrown from {@link request}, if it is one. */
export function failureOf(error: unknown): ApiFailure | undefined {
  if (error instanceof Error && typeof error.cause === 'object' && error.cause !== null) {
    const cause = error.cause as Partial<ApiFailure>;
    if (typeof cause.status === 'number') return cause as ApiFailure;
  }
  return undefined;
}

export function authHeaders(): Record<string, string> {
  const token = readToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Listeners told when the server answers 401, so the app can ask for a token. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** A JSON request to the API; throws an Error whose `cause` is an {@link ApiFailure} when refused. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const text = await response.text();
  const data: unknown = text ? parseJson(text) : undefined;
  if (!response.ok) {
    if (response.status === 401) for (const listener of unauthorizedListeners) listener();
    const error = (data as { error?: Partial<ApiFailure> } | undefined)?.error;
    const failure: ApiFailure = {
      status: response.status,
      code: error?.code ?? `HTTP_${response.status}`,
      message: error?.message ?? (text || response.statusText),
      problems: error?.problems ?? [],
    };
    throw new Error(`${failure.code}: ${failure.message}`, { cause: failure });
  }
  return data as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text } };
  }
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});

const roleRank: Record<Role, number> = { viewer: 0, approver: 1, operator: 2, admin: 3 };

/** Whether `role` may do what `needed` may: roles are ordered viewer < approver < operator < admin. */
export function allows(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && roleRank[role] >= roleRank[needed];
}

/** A path segment for a step path such as `review[3]/check`. */
export const encodeStepPath = (path: string) => encodeURIComponent(path);
