import { configInvalid } from './model-errors.js';
import { parseModelName } from './model-name.js';

/**
 * The models an alias stands for, in fallback order, with aliases inside it expanded
 * (`smart: [anthropic:claude-sonnet-4-5, fast]` with `fast: openai:gpt-4o-mini` gives both models).
 * A name that is no alias stands for itself. Repeats are dropped, keeping the first place.
 *
 * @example
 * ```ts
 * expandAlias('smart', { smart: ['anthropic:claude-sonnet-4-5', 'fast'], fast: 'openai:gpt-4o-mini' });
 * // ['anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini']
 * ```
 */
export function expandAlias(name: string, aliases: Readonly<Record<string, string | string[]>>): string[] {
  const chain: string[] = [];
  const visit = (current: string, trail: string[]): void => {
    const target = Object.hasOwn(aliases, current) ? aliases[current] : undefined;
    if (target === undefined) {
      if (!chain.includes(current)) chain.push(current);
      return;
    }
    if (trail.includes(current)) {
      throw configInvalid(
        `Model alias "${trail[0]}" refers to itself: ${[...trail, current].join(' -> ')}.`,
        {
          hint: 'Point one alias of the loop at a provider:model name in models.aliases.',
          details: { aliases: [...trail, current] },
        },
      );
    }
    for (const entry of Array.isArray(target) ? target : [target]) visit(entry, [...trail, current]);
  };
  visit(name, []);
  return chain;
}

/**
 * Checks every alias once, when a registry is created, so a typo fails at start-up rather than
 * in the middle of a run: each must end in `provider:model` names of known providers.
 */
export function checkAliases(
  aliases: Readonly<Record<string, string | string[]>>,
  providers: readonly string[],
): void {
  for (const alias of Object.keys(aliases)) {
    if (parseModelName(alias)) {
      throw configInvalid(`Model alias "${alias}" contains a colon, so it reads as provider:model.`, {
        hint: 'Name aliases without a colon, e.g. "fast" or "smart".',
      });
    }
    for (const name of expandAlias(alias, aliases)) {
      const parsed = parseModelName(name);
      if (!parsed || !providers.includes(parsed.provider)) {
        throw configInvalid(
          `Model alias "${alias}" refers to "${name}", which is neither an alias nor provider:model of a known provider.`,
          {
            hint: `Known providers: ${providers.join(', ')}. Add the provider under models.providers, or fix the name.`,
            details: { alias, name, providers: [...providers] },
          },
        );
      }
    }
  }
}
