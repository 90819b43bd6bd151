import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const scratch = resolve(root, 'test/.docs-examples');

/** The ```ts blocks of a page, with the package imports pointed at the sources. */
function blocks(page: string): string[] {
  const text = readFileSync(resolve(root, page), 'utf8');
  return Array.from(text.matchAll(/```ts\n([\s\S]*?)```/g), (match) =>
    (match[1] ?? '')
      .replace(/from 'baton'/g, `from '${resolve(root, 'src/index.js')}'`)
      .replace(/from 'baton\/testing'/g, `from '${resolve(root, 'src/testing/index.js')}'`),
  );
}

// The examples use the default journal, `.baton/` under the working directory: give them a fresh one.
const workingDirectory = process.cwd();
beforeAll(() => process.chdir(mkdtempSync(join(tmpdir(), 'baton-docs-'))));
afterAll(() => {
  process.chdir(workingDirectory);
  rmSync(scratch, { recursive: true, force: true });
});

describe('docs/typescript-api.md', () => {
  const examples = blocks('docs/typescript-api.md');
  it('has examples', () => expect(examples.length).toBeGreaterThanOrEqual(4));
  it('type-checks its examples under strict settings: results are used without casts', () => {
    const directory = resolve(scratch, 'typecheck');
    mkdirSync(directory, { recursive: true });
    for (const [index, code] of examples.entries())
      writeFileSync(resolve(directory, `example-${index}.ts`), code);
    writeFileSync(
      resolve(directory, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.json',
        compilerOptions: { noEmit: true },
        include: ['*.ts'],
      }),
    );
    const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
    const checked = spawnSync(process.execPath, [tsc, '-p', directory], { encoding: 'utf8' });
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });
  examples.forEach((code, index) => {
    it(`runs example ${index + 1} and prints exactly what its comments say`, async () => {
      mkdirSync(scratch, { recursive: true });
      const file = resolve(scratch, `typescript-api-${index}.ts`);
      const printed: unknown[][] = [];
      writeFileSync(file, code.replace(/console\.log\(/g, 'globalThis.__print('));
      (globalThis as { __print?: (...values: unknown[]) => void }).__print = (...values) =>
        printed.push(values);
      await import(file);
      const expected = Array.from(
        code.matchAll(/console\.log\([^\n]*\/\/ (.*)$/gm),
        (match) => match[1] ?? '',
      );
      expect(printed).toHaveLength(expected.length);
      // Compared without layout: inspect() breaks long objects over lines and pads brackets.
      const plain = (text: string) => text.replace(/\s+/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']');
      expect(printed.map((values) => plain(format(...values)))).toEqual(expected.map(plain));
    });
  });
});
