import type { LanguageModelV4 } from '@ai-sdk/provider';

/**
 * A model whose provider package is imported on its first call, so a process that never calls
 * a hosted model never loads its SDK. A failed import is tried again on the next call.
 *
 * @example
 * ```ts
 * const model = deferModel('openai', 'gpt-4o-mini', async () => (await import('@ai-sdk/openai')).createOpenAI().chat('gpt-4o-mini'));
 * ```
 */
export function deferModel(
  provider: string,
  modelId: string,
  load: () => Promise<LanguageModelV4>,
): LanguageModelV4 {
  let loading: Promise<LanguageModelV4> | undefined;
  const model = () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    specificationVersion: 'v4',
    provider,
    modelId,
    get supportedUrls() {
      return model().then((loaded) => loaded.supportedUrls);
    },
    doGenerate: async (options) => (await model()).doGenerate(options),
    doStream: async (options) => (await model()).doStream(options),
  };
}
