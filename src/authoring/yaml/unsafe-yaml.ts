import type { Document } from 'yaml';
import { yamlLibrary } from './yaml-library.js';

/** How deep `[` and `{` may nest: the YAML parser recurses once per level. */
export const maxFlowDepth = 256;

/**
 * Where `[` and `{` first nest deeper than {@link maxFlowDepth}, if they do. Quotes are not
 * tracked: only a file with hundreds of unclosed brackets is refused.
 *
 * @example
 * ```ts
 * deepFlowAt('a: [[1]]'); // undefined
 * ```
 */
export function deepFlowAt(text: string): number | undefined {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char === 91 || char === 123) {
      if (++depth > maxFlowDepth) return index;
    } else if ((char === 93 || char === 125) && depth > 0) depth--;
  }
  return undefined;
}

/**
 * The aliases of a document that cannot become data: one that names no anchor, and one inside
 * the node it refers to (data that would contain itself), each at its offset; and where the first
 * alias is, to place an alias count that is too high ("billion laughs").
 *
 * @example
 * ```ts
 * aliasProblems(parseDocument('a: *nope')).problems; // [{ offset: 3, message: 'Alias *nope names no anchor before it.' }]
 * ```
 */
export function aliasProblems(document: Document): {
  problems: Array<{ offset: number; message: string }>;
  firstAlias: number | undefined;
} {
  const problems: Array<{ offset: number; message: string }> = [];
  let firstAlias: number | undefined;
  yamlLibrary().visit(document, {
    Alias(_key, node, path) {
      const offset = node.range?.[0] ?? 0;
      firstAlias ??= offset;
      const target = node.resolve(document);
      if (target === undefined) {
        problems.push({ offset, message: `Alias *${node.source} names no anchor before it.` });
      } else if (path.includes(target)) {
        problems.push({ offset, message: `Alias *${node.source} is inside the node it refers to.` });
      }
    },
  });
  return { problems, firstAlias };
}
