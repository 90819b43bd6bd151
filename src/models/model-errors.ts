import { BatonError } from '../core/index.js';

/** An invalid model config; the file:line:column is in the message, as the workflow loader writes it. */
export function configInvalid(
  message: string,
  options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
): BatonError {
  return new BatonError('CONFIG_INVALID', message, { ...options, retryable: false });
}

/** The step asks for a name that is neither an alias nor `provider:model` of a known provider. */
export function modelNotFound(
  name: string,
  stepPath: string,
  known: { aliases: string[]; providers: string[] },
  reason?: string,
): BatonError {
  const aliases = known.aliases.length > 0 ? known.aliases.join(', ') : 'none';
  return new BatonError(
    'MODEL_NOT_FOUND',
    `Step "${stepPath}" asks for model "${name}"${reason ? `: ${reason}` : ', which is neither an alias nor provider:model'}.`,
    {
      stepPath,
      hint: `Configured aliases: ${aliases}. Providers: ${known.providers.join(', ')}. Name a model as provider:model (e.g. openai:gpt-4o-mini) or add an alias under models.aliases in baton.config.yaml.`,
      details: { name, aliases: known.aliases, providers: known.providers },
    },
  );
}

/** A provider needs a key that neither the config nor the environment holds. */
export function missingApiKey(options: {
  model: string;
  provider: string;
  variable: string;
  stepPath: string;
}): BatonError {
  const { model, provider, variable, stepPath } = options;
  return new BatonError(
    'MODEL_CALL_FAILED',
    `Model ${model} in step "${stepPath}" needs an API key, and none is set.`,
    {
      stepPath,
      retryable: false,
      hint: `Set the environment variable ${variable}, or models.providers.${provider}.apiKey in baton.config.yaml.`,
      details: { model, provider, variable },
    },
  );
}
