import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The small instruct model Baton recommends for running workflows offline: Qwen2.5 0.5B Instruct,
 * 4-bit (about 490 MB, Apache-2.0). It follows instructions and JSON schemas well for its size.
 *
 * @example
 * ```ts
 * await pullModel({ url: recommendedModelUrl }); // the default of pullModel
 * ```
 */
export const recommendedModelUrl =
  'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf';

/** The file name the recommended model is saved under. */
export const recommendedModelFile = 'qwen2.5-0.5b-instruct-q4_k_m.gguf';

/**
 * Where downloaded GGUF models live: `BATON_MODEL_CACHE`, else `$XDG_CACHE_HOME/baton/models`,
 * else `~/.cache/baton/models`.
 *
 * @example
 * ```ts
 * modelCacheDirectory(process.env); // '/home/ada/.cache/baton/models'
 * ```
 */
export function modelCacheDirectory(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.BATON_MODEL_CACHE) return env.BATON_MODEL_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'baton', 'models');
}

/** The GGUF file in the cache to use by default: the recommended one if present, else the first by name. */
export function findCachedModel(directory: string): string | undefined {
  if (!existsSync(directory)) return undefined;
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.gguf'))
    .sort();
  const chosen = files.includes(recommendedModelFile) ? recommendedModelFile : files[0];
  return chosen === undefined ? undefined : join(directory, chosen);
}
