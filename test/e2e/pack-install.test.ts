import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './build-once.js';
import { type InstalledApp, installPackedPackage } from './pack-install.js';

let app: InstalledApp;
beforeAll(async () => {
  await ensureBuilt();
  app = installPackedPackage(root);
}, 240_000);

/** Runs a command in the app, as its user would, with no network and no Baton settings. */
function inApp(command: string, args: string[]) {
  const env: Record<string, string> = { NO_COLOR: '1', npm_config_offline: 'true' };
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('BATON_') && !key.endsWith('_API_KEY')) env[key] ??= value;
  }
  return spawnSync(command, args, {
    cwd: app.directory,
    env: { ...env, HOME: app.directory },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

const installed = () => join(app.directory, 'node_modules', 'baton');

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the packed package, installed into a new app', () => {
  it('ships its license, no source maps to missing sources, and no install-time build', () => {
    expect(readFileSync(join(installed(), 'LICENSE'), 'utf8')).toMatch(/MIT License/);
    expect(filesUnder(join(installed(), 'dist')).filter((file) => file.endsWith('.map'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.scripts.prepare).toBeUndefined();
    expect(manifest.scripts.install).toBeUndefined();
    expect(Object.keys(manifest.dependencies)).not.toContain('@modelcontextprotocol/sdk');
    expect(manifest.peerDependencies['@opentelemetry/api']).toBeDefined();
    expect(manifest.peerDependenciesMeta['@modelcontextprotocol/sdk']?.optional).toBe(true);
    expect(existsSync(join(app.directory, 'node_modules', 'express'))).toBe(false);
  });

  it('has declarations that import only packages it depends on', () => {
    const manifest = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    const required = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies).filter(
        (name) => !manifest.peerDependenciesMeta[name]?.optional,
      ),
    ]);
    const workerPeers = ['pg', 'graphile-worker'];
    const packageOf = (specifier: string) =>
      specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : (specifier.split('/')[0] ?? '');
    const missing = filesUnder(join(installed(), 'dist'))
      .filter((file) => file.endsWith('.d.ts'))
      .flatMap((file) => {
        const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
        return Array.from(code.matchAll(/(?:from\s+|import\()\s*'([^'.][^']*)'/g), (match) => ({
          file,
          name: packageOf(match[1] ?? ''),
        }));
      })
      // `baton/worker` is only for those who installed its optional peers; nothing else reaches it.
      .filter(
        ({ file, name }) =>
          !(file.includes('/dist/distributed/') && workerPeers.includes(name)) &&
          !name.startsWith('node:') &&
          name !== 'baton' &&
          !required.has(name),
      )
      .map(({ file, name }) => `${file.slice(installed().length + 1)} imports ${name}`);
    expect(missing).toEqual([]);
  });

  it('ships the built Studio that `baton serve` serves', () => {
    const studio = join(installed(), 'dist/ui');
    const html = readFileSync(join(studio, 'index.html'), 'utf8');
    const scripts = Array.from(html.matchAll(/src="\/(assets\/[^"]+\.js)"/g), (match) => match[1] ?? '');
    expect(scripts.length).toBe(1);
    for (const script of scripts) expect(existsSync(join(studio, script)), script).toBe(true);
  });

  it('runs `npx baton --help`', () => {
    const result = inApp('npx', ['baton', '--help']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: baton/);
  });

  it('runs a YAML workflow with a TypeScript tool module through `npx baton run`', () => {
    writeFileSync(
      join(app.directory, 'greet.yaml'),
      [
        'name: greet',
        'module: ./greet.ts',
        'input: { type: object, properties: { name: { type: string } }, required: [name] }',
        'steps:',
        '  - id: shout',
        '    kind: tool',
        '    tool: shout',
        "    input: { text: '{{ input.name }}' }",
        '  - id: reply',
        '    kind: llm',
        "    prompt: 'Greet {{ steps.shout }}'",
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(app.directory, 'greet.ts'),
      [
        "import { defineTool } from 'baton';",
        "import { z } from 'zod';",
        'export const tools = {',
        '  shout: defineTool({',
        '    inputSchema: z.object({ text: z.string() }),',
        '    execute: async ({ text }: { text: string }) => text.toUpperCase(),',
        '  }),',
        '};',
        '',
      ].join('\n'),
    );
    const refused = inApp('npx', ['baton', 'run', 'greet.yaml', '--input', 'name=ada']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--mock/);
    const result = inApp('npx', ['baton', 'run', 'greet.yaml', '--input', 'name=ada', '--mock', '--json']);
    expect(result.status, result.stderr).toBe(0);
    // The result is the last of the run's JSON lines.
    const output = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as {
      status: string;
      output: { shout: string };
    };
    expect(output).toMatchObject({ status: 'succeeded', output: { shout: 'ADA' } });
  });

  it('imports baton/testing without vitest installed', () => {
    expect(existsSync(join(app.directory, 'node_modules', 'vitest'))).toBe(false);
    const script = [
      "const testing = await import('baton/testing');",
      "const { workflow } = await import('baton');",
      "const baton = testing.createTestBaton({ models: { default: testing.createScriptedModel(['hi']) } });",
      "const result = await baton.run(workflow('t').llm('ask', { prompt: 'hello' }).build());",
      'console.log(JSON.stringify(result.output));',
    ].join('\n');
    const result = inApp(process.execPath, ['--input-type=module', '-e', script]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('{"ask":"hi"}');
  });

  it('imports baton/engine for custom step kinds', () => {
    const script = [
      "const engine = await import('baton/engine');",
      "console.log(engine.itemPath('review', 3), engine.costOf({ inputPerMillion: 1, outputPerMillion: 2 }, { inputTokens: 1e6, outputTokens: 1e6, cachedInputTokens: 0 }));",
    ].join('\n');
    const result = inApp(process.execPath, ['--input-type=module', '-e', script]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('review[3] 3');
  });

  it('type-checks a typed-builder file under strict', () => {
    // Node's types come from the project, as a user's app has its own @types/node.
    mkdirSync(join(app.directory, 'node_modules', '@types'), { recursive: true });
    symlinkSync(
      join(root, 'node_modules', '@types', 'node'),
      join(app.directory, 'node_modules', '@types', 'node'),
    );
    symlinkSync(
      join(root, 'node_modules', 'undici-types'),
      join(app.directory, 'node_modules', 'undici-types'),
    );
    writeFileSync(
      join(app.directory, 'typed.ts'),
      [
        "import { workflow } from 'baton';",
        "import { createScriptedModel, createTestBaton } from 'baton/testing';",
        "import { z } from 'zod';",
        '',
        "const flow = workflow('typed', { input: z.object({ topic: z.string() }) })",
        "  .llm('outline', { prompt: ({ input }) => `Outline ${input.topic}` })",
        "  .llm('draft', { needs: ['outline'], prompt: ({ steps }) => `Write from ${steps.outline.toUpperCase()}` })",
        '  // @ts-expect-error `draft` is not among the needs of `title`.',
        "  .llm('title', { needs: ['outline'], prompt: ({ steps }) => `Title of ${steps.draft}` })",
        '  .build();',
        '',
        "const baton = createTestBaton({ models: { default: createScriptedModel(['an answer']) } });",
        "export const result = baton.run(flow, { input: { topic: 'whales' } });",
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(app.directory, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'ES2023',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: app.directory,
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('reports its install size and package count', () => {
    console.log(
      `baton ${app.tarball}: ${app.packageCount} packages, ${(app.installBytes / 1e6).toFixed(1)} MB in node_modules`,
    );
    // The MCP SDK's server side (express, jose, ...) is not installed with Baton; Hono is, for `baton serve`.
    expect(existsSync(join(app.directory, 'node_modules', 'hono'))).toBe(true);
    for (const name of ['express', 'jose', '@modelcontextprotocol/sdk']) {
      expect(existsSync(join(app.directory, 'node_modules', name)), name).toBe(false);
    }
    // The tarball installs the same files `npm pack` lists.
    expect(execFileSync('tar', ['-tzf', app.tarball], { encoding: 'utf8' })).toMatch(/package\/LICENSE/);
  });
});
