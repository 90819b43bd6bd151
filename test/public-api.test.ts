import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
};

/** Each code entry of package.json, with the source file it is built from. */
const entries = Object.entries(manifest.exports).flatMap(([name, target]) =>
  typeof target === 'string'
    ? []
    : [{ name, source: join(root, target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')) }],
);

/** The names an entry file exports, split into values and type-only names, from its text. */
function declaredExports(text: string): { values: string[]; types: string[]; star: string[] } {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const values: string[] = [];
  const types: string[] = [];
  for (const [, typeOnly, list] of code.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const item of (list ?? '').split(',').map((part) => part.trim())) {
      if (item === '') continue;
      const isType = typeOnly !== undefined || item.startsWith('type ');
      const name =
        item
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)
          .at(-1) ?? item;
      (isType ? types : values).push(name);
    }
  }
  for (const [, kind, name] of code.matchAll(/export\s+(?:declare\s+)?(?:async\s+)?(\w+)\s+(\w+)/g)) {
    if (kind === 'interface' || kind === 'type') types.push(name ?? '');
    else if (kind === 'function' || kind === 'class' || kind === 'const' || kind === 'let')
      values.push(name ?? '');
  }
  const star = [...code.matchAll(/export\s+(?:type\s+)?\*[^;]*;/g)].map((match) => match[0]);
  return { values: values.sort(), types: types.sort(), star };
}

describe('public API', () => {
  it('has an entry for the root, the engine and each adapter', () => {
    expect(entries.map((entry) => entry.name)).toEqual(
      expect.arrayContaining(['.', './engine', './testing']),
    );
  });

  for (const entry of entries) {
    describe(`entry ${entry.name}`, () => {
      const declared = declaredExports(readFileSync(entry.source, 'utf8'));

      it('lists its exports by name (no export *)', () => {
        expect(declared.star).toEqual([]);
      });

      it('exports at run time exactly the values it lists', async () => {
        const module = (await import(pathToFileURL(entry.source).href)) as Record<string, unknown>;
        expect(Object.keys(module).sort()).toEqual(declared.values);
      });

      // A change to this list is a change to the public API: update the snapshot on purpose
      // (`npx vitest run test/public-api.test.ts -u`) and document the new name.
      it('keeps its export list', () => {
        expect({ values: declared.values, types: declared.types }).toMatchSnapshot();
      });
    });
  }
});
