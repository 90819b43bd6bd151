import type { Document, LineCounter, Node } from 'yaml';
import type { SourceLocation } from '../../core/index.js';
import { yamlLibrary } from './yaml-library.js';

/**
 * Finds where a path into a parsed document (`['steps', 2, 'needs', 0]`) was written. A path that
 * goes further than the document (a missing field) points at the deepest part that exists, so a
 * problem always has a place. `key` names a key of the object at `path` to point at instead, as
 * for an unknown field.
 *
 * @example
 * ```ts
 * const lineCounter = new LineCounter();
 * const document = parseDocument(text, { lineCounter });
 * locatePath(document, lineCounter, 'flow.yaml', ['steps', 1, 'needs', 0]); // { file: 'flow.yaml', line: 8, column: 13 }
 * ```
 */
export function locatePath(
  document: Document,
  lineCounter: LineCounter,
  file: string,
  path: ReadonlyArray<string | number>,
  key?: string,
): SourceLocation {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yamlLibrary();
  let node: unknown = document.contents;
  let offset = rangeStart(node) ?? 0;
  const segments = key === undefined ? path : [...path, key];
  for (const [index, part] of segments.entries()) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(part),
      );
      if (!pair) break;
      const pointsAtKey = key !== undefined && index === segments.length - 1;
      const target = pointsAtKey || pair.value === null ? pair.key : pair.value;
      offset = rangeStart(target) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item: unknown = node.items[part];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else break;
  }
  return toLocation(lineCounter, file, offset);
}

/**
 * 1-based line and column of an offset in the source.
 *
 * @example
 * ```ts
 * toLocation(lineCounter, 'flow.yaml', error.pos[0]); // { file: 'flow.yaml', line: 4, column: 11 }
 * ```
 */
export function toLocation(lineCounter: LineCounter, file: string, offset: number): SourceLocation {
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, column: col };
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}
