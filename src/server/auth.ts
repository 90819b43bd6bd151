import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BatonError } from '../core/index.js';

export const roles = ['viewer', 'approver', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Who makes a request: the name of the token it carries, or `local` when no token is configured. */
export interface Caller {
  name: string;
  role: Role;
}

interface TokenEntry extends Caller {
  digest: Buffer;
}

/** The bearer tokens a server accepts; with none, every request is `local` with the admin role. */
export class TokenTable {
  private readonly entries: TokenEntry[];

  constructor(tokens: Array<Caller & { token: string }>) {
    this.entries = tokens.map(({ name, role, token }) => ({ name, role, digest: digest(token) }));
  }

  get configured(): boolean {
    return this.entries.length > 0;
  }

  /** The caller a token belongs to; compared in constant time, so the answer's timing says nothing. */
  find(token: string): Caller | undefined {
    const given = digest(token);
    let found: Caller | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, given)) found = { name: entry.name, role: entry.role };
    }
    return found;
  }
}

/** Whether a caller's role is at least `needed`. */
export function hasRole(caller: Caller, needed: Role): boolean {
  return roles.indexOf(caller.role) >= roles.indexOf(needed);
}

/**
 * Tokens from `BATON_SERVER_TOKENS` (`name:role:token,...`) and a tokens file (one
 * `name:role:token` a line; `#` starts a comment).
 *
 * @example
 * ```ts
 * const tokens = loadTokens({ environment: 'ana:approver:s3cret', file: undefined });
 * ```
 */
export function loadTokens(options: {
  environment?: string | undefined;
  file?: string | undefined;
}): TokenTable {
  const entries: Array<Caller & { token: string }> = [];
  const add = (text: string, where: string) => {
    const [name = '', role = '', ...rest] = text.split(':');
    const token = rest.join(':');
    if (!name || !token || !(roles as readonly string[]).includes(role)) {
      throw new BatonError(
        'CONFIG_INVALID',
        `${where}: expected name:role:token with role one of ${roles.join(', ')}.`,
        {
          hint: 'Write each token as name:role:token, such as ana:approver:a-long-random-secret.',
        },
      );
    }
    if (token.length < 16) {
      throw new BatonError(
        'CONFIG_INVALID',
        `${where}: the token of "${name}" is shorter than 16 characters.`,
        {
          hint: 'Use a long random token, such as the output of `openssl rand -hex 24`.',
        },
      );
    }
    entries.push({ name, role: role as Role, token });
  };
  for (const [index, text] of (options.environment ?? '').split(',').entries()) {
    if (text.trim()) add(text.trim(), `BATON_SERVER_TOKENS entry ${index + 1}`);
  }
  if (options.file !== undefined) {
    for (const [index, line] of readFileSync(options.file, 'utf8').split('\n').entries()) {
      const text = line.replace(/#.*/, '').trim();
      if (text) add(text, `${options.file}:${index + 1}`);
    }
  }
  return new TokenTable(entries);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Whether a host name or address is this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
