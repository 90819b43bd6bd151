import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { findCachedModel } from './model-cache.js';
import type { ModelConfig } from './model-config.js';

/** Which model a step without one gets, and why, in one line the CLI can print. */
export interface DefaultModelDescription {
  /** The model name or alias resolved for steps that name none. */
  name: string;
  /**
   * `config`: models.default; `environment`: BATON_MODEL; `local`: a configured GGUF file;
   * `local-cache`: a GGUF file found in the model cache; `mock`: nothing configured.
   */
  source: 'config' | 'environment' | 'local' | 'local-cache' | 'mock';
  message: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The default model: the alias `default`, else `models.default`, else `BATON_MODEL`, else the local GGUF configured
 * (`models.providers.local.modelPath` or `BATON_LOCAL_MODEL`), else a GGUF in the model cache,
 * else the mock model.
 */
export function chooseDefaultModel(
  config: ModelConfig,
  options: { env: Environment; cacheDirectory: string; cwd: string },
): DefaultModelDescription {
  const { env } = options;
  // An alias named `default` (e.g. `--model default=openai:gpt-4o-mini`) is the default model.
  const aliased = config.aliases?.default;
  if (aliased !== undefined) {
    const chain = Array.isArray(aliased) ? aliased.join(', ') : aliased;
    return { name: 'default', source: 'config', message: `Default model: ${chain} (the alias "default").` };
  }
  if (config.default) {
    return {
      name: config.default,
      source: 'config',
      message: `Default model: ${config.default} (models.default).`,
    };
  }
  if (env.BATON_MODEL) {
    return {
      name: env.BATON_MODEL,
      source: 'environment',
      message: `Default model: ${env.BATON_MODEL} (BATON_MODEL).`,
    };
  }
  const configured = configuredLocalModel(config, env, options.cwd);
  if (configured) {
    const name = `local:${modelNameOf(configured.path)}`;
    return {
      name,
      source: 'local',
      message: `Default model: ${name} (${configured.path}, from ${configured.from}).`,
    };
  }
  const cached = findCachedModel(options.cacheDirectory);
  if (cached) {
    const name = `local:${modelNameOf(cached)}`;
    return { name, source: 'local-cache', message: `Default model: ${name} (cached at ${cached}).` };
  }
  return {
    name: 'mock:default',
    source: 'mock',
    message:
      'Default model: mock:default, which makes up its answers. Set models.default in baton.config.yaml, or BATON_LOCAL_MODEL to a GGUF file.',
  };
}

/** The GGUF file configured for the local provider, if any. */
export function configuredLocalModel(
  config: ModelConfig,
  env: Environment,
  cwd: string,
): { path: string; from: string } | undefined {
  const configured = config.providers?.local?.modelPath;
  if (configured) return { path: resolve(cwd, configured), from: 'models.providers.local.modelPath' };
  if (env.BATON_LOCAL_MODEL) return { path: resolve(cwd, env.BATON_LOCAL_MODEL), from: 'BATON_LOCAL_MODEL' };
  return undefined;
}

/**
 * The file a `local:<name>` model reads: a path (relative to the working directory), or a
 * name in the model cache with or without `.gguf`. `local:default` is the configured or cached one.
 */
export function localModelPath(
  modelId: string,
  options: { configured: string | undefined; cacheDirectory: string; cwd: string },
): string | undefined {
  if (modelId === '' || modelId === 'default')
    return options.configured ?? findCachedModel(options.cacheDirectory);
  if (isAbsolute(modelId) || modelId.includes('/') || modelId.includes('\\') || modelId.endsWith('.gguf')) {
    const path = resolve(options.cwd, modelId);
    if (existsSync(path)) return path;
    const cachedFile = join(options.cacheDirectory, modelId);
    return existsSync(cachedFile) ? cachedFile : undefined;
  }
  if (options.configured && modelNameOf(options.configured) === modelId) return options.configured;
  for (const candidate of [
    join(options.cacheDirectory, `${modelId}.gguf`),
    join(options.cacheDirectory, modelId),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `qwen2.5-0.5b-instruct-q4_k_m` for `/cache/qwen2.5-0.5b-instruct-q4_k_m.gguf`. */
export function modelNameOf(path: string): string {
  return basename(path).replace(/\.gguf$/i, '');
}
