/** A model name split into its parts: `provider:model?option=value`. */
export interface ModelName {
  provider: string;
  modelId: string;
  /** Options after `?`, as the mock provider reads them (`mock:fast?latencyMs=200`). */
  options: Record<string, string>;
}

/**
 * Splits `provider:model` at its first colon, so model ids that hold colons themselves
 * (`ollama:llama3.2:1b`) or slashes (`together:meta-llama/Llama-3.3-70B-Instruct-Turbo`) survive.
 * Returns undefined for a name without a provider, which can only be an alias.
 *
 * @example
 * ```ts
 * parseModelName('mock:fast?latencyMs=200'); // { provider: 'mock', modelId: 'fast', options: { latencyMs: '200' } }
 * ```
 */
export function parseModelName(name: string): ModelName | undefined {
  const colon = name.indexOf(':');
  if (colon <= 0) return undefined;
  const provider = name.slice(0, colon);
  const rest = name.slice(colon + 1);
  const question = rest.indexOf('?');
  const modelId = question === -1 ? rest : rest.slice(0, question);
  const options = question === -1 ? {} : Object.fromEntries(new URLSearchParams(rest.slice(question + 1)));
  return { provider, modelId, options };
}
