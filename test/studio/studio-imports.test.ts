import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The Studio is a client of the HTTP API: it imports no engine code (DESIGN.md, STYLE.md section 2). */
const root = resolve(import.meta.dirname, '../..');
const ui = join(root, 'ui/src');

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.tsx?$/.test(path) ? [path] : [];
  });
}

describe('Studio imports', () => {
  it('reach outside ui/ only for the API types, and only as types', () => {
    const outside: string[] = [];
    for (const file of files(ui)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(
        /^(?:import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]/gms,
      )) {
        const target = relative(root, resolve(dirname(file), match[2] ?? ''));
        if (target.startsWith('ui/')) continue;
        if (target === 'src/server/api-types.ts' && match[1] !== undefined) continue;
        outside.push(`${relative(root, file)} imports ${target}${match[1] ? ' (types)' : ''}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
