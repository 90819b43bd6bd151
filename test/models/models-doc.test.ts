import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModelRegistry, parseModelConfigYaml } from '../../src/models/index.js';

const root = join(import.meta.dirname, '..', '..');
const page = readFileSync(join(root, 'docs', 'models.md'), 'utf8');
const source = ['model-cache.ts', 'provider-models.ts', 'default-model.ts', 'model-registry.ts']
  .map((file) => readFileSync(join(root, 'src', 'models', file), 'utf8'))
  .join('\n');

describe('docs/models.md', () => {
  it('shows a YAML config that loads and resolves', () => {
    const yaml = Array.from(page.matchAll(/```yaml\n([\s\S]*?)```/g), (match) => match[1] ?? '');
    expect(yaml).toHaveLength(1);
    const config = parseModelConfigYaml(yaml[0] ?? '', 'docs/models.md');
    const models = createModelRegistry(config, {
      env: { OPENAI_API_KEY: 'sk', WORK_ANTHROPIC_KEY: 'sk-ant', GROQ_API_KEY: 'gsk' },
      cwd: root,
    });
    expect(models.resolve(undefined, 'a').id).toBe('openai:gpt-4o-mini');
    expect(models.aliasChain('smart')).toEqual(['anthropic:claude-sonnet-4-5', 'openai:gpt-4o']);
    expect(models.resolve('groq:llama-3.3-70b-versatile', 'a').pricing).toEqual({
      inputPerMillion: 0.59,
      outputPerMillion: 0.79,
    });
  });

  it('names only environment variables the code reads', () => {
    const named = new Set(
      Array.from(page.matchAll(/`((?:OPENAI|ANTHROPIC|TOGETHER|BATON)_[A-Z_]+)`/g), (match) => match[1]),
    );
    expect(named.size).toBeGreaterThanOrEqual(9);
    for (const variable of named) expect(source, variable).toContain(variable);
  });
});
