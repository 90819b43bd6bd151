import type * as AiSdk from 'ai';

let loaded: typeof AiSdk | undefined;
let loading: Promise<typeof AiSdk> | undefined;

/**
 * The AI SDK, imported on the first model call: it is the largest module Baton uses, and a
 * workflow without model steps (or a process that only inspects runs) never pays for it.
 */
export async function loadAiSdk(): Promise<typeof AiSdk> {
  if (!loading) loading = import('ai');
  loaded ??= await loading;
  return loaded;
}

/** The AI SDK if a model call has loaded it; an error cannot come from the SDK before that. */
export function loadedAiSdk(): typeof AiSdk | undefined {
  return loaded;
}
