import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatonError } from '../../src/core/index.js';
import { createModelRegistry, loadModelConfig } from '../../src/models/index.js';

function project(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'baton-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  return directory;
}

async function failure(cwd: string): Promise<BatonError> {
  const error = await loadModelConfig(cwd).then(
    () => expect.unreachable('loading should fail'),
    (thrown: unknown) => thrown,
  );
  if (!BatonError.is(error)) throw error;
  return error;
}

const yaml = `# Baton settings
store: sqlite
models:
  default: fast
  aliases:
    fast: openai:gpt-4o-mini
    smart: [anthropic:claude-sonnet-4-5, fast]
  providers:
    openai:
      rateLimit: { requestsPerMinute: 500, tokensPerMinute: 200000, concurrency: 8 }
      retry: { maxRetries: 5 }
    ollama:
      baseURL: http://127.0.0.1:11434/v1
  pricing:
    ollama:*: { inputPerMillion: 0, outputPerMillion: 0 }
`;

describe('loadModelConfig', () => {
  it('reads the models section of baton.config.yaml', async () => {
    const cwd = project({ 'baton.config.yaml': yaml });
    const { config, file } = await loadModelConfig(cwd);
    expect(file).toBe(join(cwd, 'baton.config.yaml'));
    expect(config).toEqual({
      default: 'fast',
      aliases: { fast: 'openai:gpt-4o-mini', smart: ['anthropic:claude-sonnet-4-5', 'fast'] },
      providers: {
        openai: {
          rateLimit: { requestsPerMinute: 500, tokensPerMinute: 200_000, concurrency: 8 },
          retry: { maxRetries: 5 },
        },
        ollama: { baseURL: 'http://127.0.0.1:11434/v1' },
      },
      pricing: { 'ollama:*': { inputPerMillion: 0, outputPerMillion: 0 } },
    });
    const models = createModelRegistry(config, { env: { OPENAI_API_KEY: 'sk' } });
    expect(models.describeDefault().message).toBe('Default model: fast (models.default).');
    expect(models.aliasChain('smart')).toEqual(['anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini']);
  });

  it('returns an empty config when there is no file', async () => {
    expect(await loadModelConfig(project({}))).toEqual({ config: {}, file: undefined });
  });

  it('names file, line and column of a YAML syntax error', async () => {
    const cwd = project({
      'baton.config.yaml': 'models:\n  aliases:\n    fast: [openai:gpt-4o-mini\n  default: fast\n',
    });
    const error = await failure(cwd);
    const file = join(cwd, 'baton.config.yaml');
    expect(error.details).toEqual({ file, line: 4, column: 3 });
    expect(error.message).toBe(
      `${file}:4:3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ].`,
    );
  });

  it('names the line of an invalid setting', async () => {
    const cwd = project({
      'baton.config.yaml': yaml.replace('requestsPerMinute: 500', 'requestsPerMinute: lots'),
    });
    const error = await failure(cwd);
    const file = join(cwd, 'baton.config.yaml');
    expect(error.message).toBe(
      `${file} has 1 problem in its models section:\n${file}:10:20: models.providers.openai.rateLimit.requestsPerMinute: Invalid input: expected number, received string`,
    );
  });

  it('names a misspelt setting at its key', async () => {
    const cwd = project({
      'baton.config.yaml': yaml.replace('retry: { maxRetries: 5 }', 'retries: { maxRetries: 5 }'),
    });
    const error = await failure(cwd);
    expect(error.message).toContain(
      `${join(cwd, 'baton.config.yaml')}:11:7: models.providers.openai.retries: unknown setting "retries"`,
    );
  });

  it('loads the default export of baton.config.ts, an object or a function', async () => {
    const objectConfig = project({
      'baton.config.ts': `const fast: string = 'mock:fast';\nexport default { models: { aliases: { fast } } };\n`,
    });
    expect((await loadModelConfig(objectConfig)).config).toEqual({ aliases: { fast: 'mock:fast' } });
    const functionConfig = project({
      'baton.config.mjs': `export default async () => ({ models: { default: 'mock:quick' } });\n`,
    });
    expect((await loadModelConfig(functionConfig)).config).toEqual({ default: 'mock:quick' });
  });

  it('names the file of an invalid TypeScript config', async () => {
    const cwd = project({ 'baton.config.ts': `export default { models: { timeoutMs: -1 } };\n` });
    const error = await failure(cwd);
    expect(error.message).toContain(`${join(cwd, 'baton.config.ts')}: models.timeoutMs: Too small`);
  });

  it('prefers baton.config.yaml when there are several', async () => {
    const cwd = project({
      'baton.config.yaml': 'models:\n  default: mock:yaml\n',
      'baton.config.ts': 'export default {};\n',
    });
    expect((await loadModelConfig(cwd)).config).toEqual({ default: 'mock:yaml' });
  });
});
