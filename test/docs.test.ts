import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

describe('docs', () => {
  it('has one section in docs/errors.md for every error code', () => {
    const source = read('src/core/errors.ts');
    const union = source.slice(
      source.indexOf('export type BatonErrorCode'),
      source.indexOf(';', source.indexOf('export type BatonErrorCode')),
    );
    const codes = Array.from(union.matchAll(/'([A-Z_]+)'/g), (match) =>
      (match[1] ?? '').toLowerCase().replaceAll('_', '-'),
    );
    const sections = Array.from(read('docs/errors.md').matchAll(/^## (.+)$/gm), (match) => match[1]);
    expect(sections.sort()).toEqual(codes.sort());
  });

  it('shows the test command in the README and calls it from CI', () => {
    expect(read('README.md')).toContain('npm test');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });
});
