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

function importsOf(file: string): Import[] {
  // Examples in TSDoc comments are not imports.
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const found: Import[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gms)) {
    const specifier = match[2] ?? '';
    const target = specifier.startsWith('.')
      ? relative(src, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      : specifier;
    found.push({ from: relative(src, file), target, typeOnly: match[1] !== undefined });
  }
  for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const specifier = match[1] ?? '';
    const target = specifier.startsWith('.')
      ? relative(src, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      : specifier;
    found.push({ from: relative(src, file), target, typeOnly: false });
  }
  return found;
}

const files = sourceFiles(src);
const imports = files.flatMap(importsOf);
const internal = (target: string) => !target.startsWith('..') && target.endsWith('.ts');
const packageName = (target: string) =>
  target.startsWith('@') ? target.split('/').slice(0, 2).join('/') : (target.split('/')[0] ?? '');

/** What each folder may import, inside src/ and from npm (STYLE.md, section 2). */
const rules: Array<{ folder: string; internal: string[]; npm: string[] }> = [
  // re2js is part of the expression engine: JSONata's regexes run on it, in linear time.
  { folder: 'core/', internal: ['core/'], npm: ['zod', 'ai', 'jsonata', 're2js', 'node:'] },
  { folder: 'store/memory/', internal: ['core/'], npm: [] },
  // The row codec and the content-addressed value encoding are shared by the database stores.
  { folder: 'store/shared/', internal: ['core/'], npm: ['node:'] },
  { folder: 'store/sqlite/', internal: ['core/', 'store/shared/'], npm: ['better-sqlite3', 'node:'] },
  { folder: 'store/postgres/', internal: ['core/', 'store/shared/'], npm: ['pg', 'node:'] },
  {
    folder: 'models/',
    internal: ['core/'],
    npm: ['ai', '@ai-sdk/', 'node:', 'yaml', 'zod', 'node-llama-cpp'],
  },
  { folder: 'tools/', internal: ['core/'], npm: ['@modelcontextprotocol/sdk', 'zod', 'node:'] },
  { folder: 'authoring/', internal: ['core/', 'authoring/'], npm: ['yaml', 'zod', 'node:'] },
  {
    // The eval module plans cells, scores them and computes statistics over the public engine API.
    folder: 'eval/',
    internal: ['core/', 'authoring/yaml/', 'eval/'],
    npm: [
      'zod',
      'yaml',
      'csv-parse',
      'fastest-levenshtein',
      '@stdlib/stats-base-dists-binomial-cdf',
      '@stdlib/stats-base-dists-normal-cdf',
      '@stdlib/stats-base-dists-normal-quantile',
      '@stdlib/stats-base-dists-t-cdf',
      '@stdlib/stats-base-dists-t-quantile',
      'node:',
    ],
  },
  {
    // The HTTP API maps requests to the public engine API and the store port (STYLE.md, section 2).
    folder: 'server/',
    internal: ['core/', 'authoring/', 'observe/', 'baton.ts'],
    npm: ['hono', '@hono/node-server', 'hono-openapi', 'zod', 'node:'],
  },
  {
    // The OTLP SDK and exporters are imported dynamically, only when an endpoint is configured.
    folder: 'observe/',
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
  {
    folder: 'testing/',
    internal: ['core/', 'store/memory/', 'testing/'],
    npm: ['ai', '@ai-sdk/provider', 'vitest', 'zod', 'node:'],
  },
];

describe('architecture', () => {
  for (const rule of rules) {
    it(`keeps ${rule.folder} to its allowed imports`, () => {
      const broken = imports
        .filter((entry) => entry.from.startsWith(rule.folder))
        .filter((entry) =>
          internal(entry.target)
            ? ![rule.folder, ...rule.internal].some((allowed) => entry.target.startsWith(allowed))
            : !entry.target.startsWith('..') &&
              !rule.npm.some(
                (allowed) =>
                  entry.target === allowed ||
                  entry.target.startsWith(allowed) ||
                  packageName(entry.target) === allowed,
              ),
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
