import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './build-once.js';

const directory = mkdtempSync(join(tmpdir(), 'baton-root-import-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
beforeAll(ensureBuilt, 120_000);

/**
 * Imports the built root entry in a fresh process, runs `use` (a function body with `baton` in
 * scope) and returns the npm packages loaded before and after it, as module resolution saw them
 * (static and dynamic imports and `require`, `createRequire` included).
 */
function packagesLoaded(use: string): { onImport: string[]; afterUse: string[] } {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = new Set();
    registerHooks({
      resolve(specifier, context, next) {
        const resolved = next(specifier, context);
        const name = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url)?.[1];
        if (name) loaded.add(name);
        return resolved;
      },
    });
    const baton = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/index.js')).href)});
    const onImport = [...loaded];
    await (async () => { ${use} })();
    console.log(JSON.stringify({ onImport, afterUse: [...loaded] }));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, OPENAI_API_KEY: 'sk-test' },
  });
  return JSON.parse(output) as { onImport: string[]; afterUse: string[] };
}

// The provider spec package holds the AI SDK's error classes and types, no provider.
const sdks = (names: string[]) =>
  names.filter((name) => name === 'ai' || (name.startsWith('@ai-sdk/') && name !== '@ai-sdk/provider'));

describe('importing baton', () => {
  it('loads SQLite only when a SQLite store opens', () => {
    const path = join(directory, 'journal.db');
    const { onImport, afterUse } = packagesLoaded(
      `const store = baton.createSqliteStore(${JSON.stringify(path)}); await store.close();`,
    );
    expect(onImport).not.toContain('better-sqlite3');
    expect(afterUse).toContain('better-sqlite3');
  });

  it('loads a model SDK only when a model of its provider is used', () => {
    const { onImport, afterUse } = packagesLoaded(
      `const { model } = baton.createModelRegistry().resolve('openai:gpt-4o-mini', 'ask');
       await model.supportedUrls;`,
    );
    expect(sdks(onImport)).toEqual([]);
    expect(sdks(afterUse)).toContain('@ai-sdk/openai');
  });

  it('loads neither for a run on MemoryStore with a function step', () => {
    const { afterUse } = packagesLoaded(`
      const engine = baton.createBaton({ store: new baton.MemoryStore(), models: { fast: {} } });
      const result = await engine.run({
        workflow: { name: 'one', steps: [{ id: 'a', kind: 'transform', value: { function: 'one' } }] },
        functions: { one: () => 1 },
      });
      if (result.status !== 'succeeded') throw new Error(result.status);`);
    expect(afterUse).not.toContain('better-sqlite3');
    expect(sdks(afterUse)).toEqual([]);
  });
});
