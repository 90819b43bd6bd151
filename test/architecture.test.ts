import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  from: string;
  target: string;
  typeOnly: boolean;
}

/**
 * Every module specifier a source file names: static imports and re-exports, side-effect imports,
 * dynamic `import()` and `require()` (as made by `createRequire`), with literal specifiers.
 */
function specifiersOf(text: string): Array<{ specifier: string; typeOnly: boolean }> {
  // Examples in TSDoc comments and line comments are not imports.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  for (const match of code.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gms)) {
    found.push({ specifier: match[2] ?? '', typeOnly: match[1] !== undefined });
  }
  for (const match of code.matchAll(/^import\s+['"]([^'"]+)['"]/gm)) {
    found.push({ specifier: match[1] ?? '', typeOnly: false });
  }
  const call =
    /(\btypeof\s+)?(?:\bimport|\brequire(?:\.resolve)?|\bcreateRequire\([^()]*\))\(\s*['"`]([^'"`$]+)['"`]\s*\)/g;
  for (const match of code.matchAll(call)) {
    // `typeof import('x')` is a type.
    found.push({ specifier: match[2] ?? '', typeOnly: match[1] !== undefined });
  }
  return found;
}

function importsOf(file: string): Import[] {
  return specifiersOf(readFileSync(file, 'utf8')).map(({ specifier, typeOnly }) => ({
    from: relative(src, file),
    target: specifier.startsWith('.')
      ? relative(src, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      : specifier,
    typeOnly,
  }));
}

/** The npm package a specifier names: `ai/test` is `ai`, `@ai-sdk/openai/internal` is `@ai-sdk/openai`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * Whether `specifier` is one of the `allowed` packages: a package name matches exactly (`ai`
 * admits `ai/test` but not `ai-foo`), a scope ending in `/` (`@stdlib/`) admits its packages and
 * `node:` admits the built-in modules.
 */
function isAllowedPackage(specifier: string, allowed: readonly string[]): boolean {
  const name = packageName(specifier);
  return allowed.some((entry) =>
    entry.endsWith(':')
      ? specifier.startsWith(entry)
      : entry.endsWith('/')
        ? name.startsWith(entry)
        : name === entry,
  );
}

// ui/ is a separate client built on its own; it reaches the engine over HTTP only.
const separate = ['ui/'];
const files = sourceFiles(src).filter(
  (file) => !separate.some((folder) => relative(src, file).startsWith(folder)),
);
const imports = files.flatMap(importsOf);
const internal = (target: string) => !target.startsWith('..') && target.endsWith('.ts');

/**
 * What each part of src/ may import, inside src/ and from npm (STYLE.md, section 2). `part` is a
 * folder (ending in `/`) or a file at the root of src/; a file follows the first rule that names
 * it, and every file must be named by one.
 */
const rules: Array<{ part: string; internal: string[]; npm: string[] }> = [
  // re2js is part of the expression engine: JSONata's regexes run on it, in linear time.
  { part: 'core/', internal: ['core/'], npm: ['zod', 'ai', 'jsonata', 're2js', 'node:'] },
  { part: 'store/memory/', internal: ['core/'], npm: [] },
  // The row codec and the content-addressed value encoding are shared by the database stores.
  { part: 'store/shared/', internal: ['core/'], npm: ['node:'] },
  { part: 'store/sqlite/', internal: ['core/', 'store/shared/'], npm: ['better-sqlite3', 'node:'] },
  { part: 'store/postgres/', internal: ['core/', 'store/shared/'], npm: ['pg', 'node:'] },
  // Workers run the engine's own step execution and commit through the PostgreSQL journal.
  {
    part: 'distributed/',
    internal: ['core/', 'models/', 'store/shared/', 'store/postgres/', 'distributed/'],
    npm: ['pg', 'graphile-worker', 'node:'],
  },
  {
    part: 'models/',
    internal: ['core/'],
    npm: [
      'ai',
      '@ai-sdk/anthropic',
      '@ai-sdk/openai',
      '@ai-sdk/openai-compatible',
      '@ai-sdk/provider',
      '@ai-sdk/togetherai',
      'node:',
      'yaml',
      'zod',
      'node-llama-cpp',
    ],
  },
  { part: 'tools/', internal: ['core/'], npm: ['@modelcontextprotocol/sdk', 'zod', 'node:'] },
  { part: 'authoring/', internal: ['core/', 'authoring/'], npm: ['yaml', 'zod', 'node:'] },
  {
    // The tracing API is the user's, so its package is a peer; the OTLP SDK and exporters are
    // imported dynamically, only when an endpoint is configured.
    part: 'observe/',
    internal: ['core/'],
    npm: [
      '@opentelemetry/api',
      '@opentelemetry/resources',
      '@opentelemetry/sdk-trace',
      '@opentelemetry/sdk-metrics',
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/exporter-trace-otlp-proto',
      '@opentelemetry/exporter-metrics-otlp-http',
      '@opentelemetry/exporter-metrics-otlp-proto',
    ],
  },
  // The composition root wires the default adapters; the entries list the public names.
  { part: 'baton.ts', internal: ['core/', 'store/sqlite/', 'models/'], npm: [] },
  {
    part: 'index.ts',
    internal: [
      'baton.ts',
      'core/',
      'authoring/',
      'models/',
      'observe/',
      'store/memory/',
      'store/sqlite/',
      'tools/',
    ],
    npm: [],
  },
  { part: 'engine.ts', internal: ['core/'], npm: [] },
  {
    // The eval module plans cells, scores them and computes statistics over the public engine API.
    part: 'eval/',
    internal: ['core/', 'authoring/yaml/', 'eval/'],
    npm: ['zod', 'yaml', 'csv-parse', 'fastest-levenshtein', 'jstat', 'node:'],
  },
  {
    part: 'testing/',
    internal: ['core/', 'store/memory/', 'testing/'],
    npm: ['ai', '@ai-sdk/provider', 'vitest', 'zod', 'node:'],
  },
  // An adapter from HTTP to the public engine API and the store port.
  {
    part: 'server/',
    internal: ['baton.ts', 'core/', 'authoring/', 'observe/', 'server/'],
    npm: ['hono', '@hono/', 'hono-openapi', 'zod', 'node:'],
  },
  // The application: it opens stores, loads model configuration and runs evals for the user.
  {
    part: 'cli/',
    internal: [
      'baton.ts',
      'core/',
      'authoring/',
      'models/',
      'observe/',
      'eval/',
      'server/',
      'store/',
      'distributed/',
      'cli/',
    ],
    npm: ['commander', '@ai-sdk/provider', 'node:'],
  },
  // The generator of the published JSON Schema runs at build time only.
  { part: 'authoring/generate-schema.ts', internal: ['core/'], npm: ['zod', 'node:'] },
];

const ruleOf = (file: string) =>
  rules.find((rule) => (rule.part.endsWith('/') ? file.startsWith(rule.part) : file === rule.part));

describe('architecture', () => {
  it('sees static, side-effect, dynamic and createRequire imports', () => {
    const text = [
      "import { a } from 'one';",
      "import type { B } from 'two';",
      "import 'three';",
      "export { c } from './four.js';",
      "const d = await import('five');",
      "const e = createRequire(import.meta.url)('six/sub') as typeof import('nine');",
      "// import { f } from 'seven';",
      "/** import { g } from 'eight'; */",
    ].join('\n');
    expect(specifiersOf(text)).toEqual([
      { specifier: 'one', typeOnly: false },
      { specifier: 'two', typeOnly: true },
      { specifier: './four.js', typeOnly: false },
      { specifier: 'three', typeOnly: false },
      { specifier: 'five', typeOnly: false },
      { specifier: 'six/sub', typeOnly: false },
      { specifier: 'nine', typeOnly: true },
    ]);
  });

  it('matches package names exactly, subpaths and scopes included', () => {
    expect(isAllowedPackage('ai', ['ai'])).toBe(true);
    expect(isAllowedPackage('ai/test', ['ai'])).toBe(true);
    expect(isAllowedPackage('ai-foo', ['ai'])).toBe(false);
    expect(isAllowedPackage('@ai-sdk/openai', ['@ai-sdk/provider'])).toBe(false);
    expect(isAllowedPackage('@stdlib/stats-base-dists-t-cdf', ['@stdlib/'])).toBe(true);
    expect(isAllowedPackage('@stdlibx/thing', ['@stdlib/'])).toBe(false);
    expect(isAllowedPackage('node:fs', ['node:'])).toBe(true);
    expect(isAllowedPackage('fs', ['node:'])).toBe(false);
  });

  it('has a rule for every source file', () => {
    expect(files.map((file) => relative(src, file)).filter((file) => ruleOf(file) === undefined)).toEqual([]);
  });

  for (const rule of rules) {
    it(`keeps ${rule.part} to its allowed imports`, () => {
      const broken = imports
        .filter((entry) => ruleOf(entry.from) === rule)
        .filter((entry) =>
          internal(entry.target)
            ? ![rule.part, ...rule.internal].some((allowed) =>
                allowed.endsWith('/') ? entry.target.startsWith(allowed) : entry.target === allowed,
              )
            : !entry.target.startsWith('..') && !isAllowedPackage(entry.target, rule.npm),
        )
        .map((entry) => `${entry.from} → ${entry.target}`);
      expect(broken).toEqual([]);
    });
  }

  it('has no import cycles between source files', () => {
    const graph = new Map<string, string[]>();
    for (const entry of imports) {
      if (entry.typeOnly || !internal(entry.target)) continue;
      graph.set(entry.from, [...(graph.get(entry.from) ?? []), entry.target]);
    }
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('defines no Error subclass outside core/errors.ts', () => {
    const offenders = files
      .filter((file) => !file.endsWith(join('core', 'errors.ts')))
      .filter((file) => /class\s+\w+\s+extends\s+\w*Error\b/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(src, file));
    expect(offenders).toEqual([]);
  });

  it('keeps every source file under 500 lines', () => {
    const long = files
      .map((file) => [relative(src, file), readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 500);
    expect(long).toEqual([]);
  });
});
