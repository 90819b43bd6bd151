import type { Workflow } from './workflow.js';

type SchemaNode = Record<string, unknown>;

// Keywords whose subschemas apply to the same value: a cycle through them never reaches an end.
const sameValue = ['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else'] as const;

/**
 * The `$ref` of a JSON Schema that leads back to itself without matching anything in between
 * (`{ $ref: '#' }`, or two `$defs` referring to each other), if there is one: checking a value
 * against such a schema never ends. A `$ref` under `properties` or `items` is fine: it recurses
 * into a smaller part of the value.
 */
export function findRefLoop(schema: unknown): string | undefined {
  const state = new Map<object, 'open' | 'done'>();
  const edges = (node: SchemaNode): Array<[unknown, string | undefined]> => {
    const next: Array<[unknown, string | undefined]> = [];
    if (typeof node.$ref === 'string') next.push([resolvePointer(schema, node.$ref), node.$ref]);
    for (const keyword of sameValue) {
      const value = node[keyword];
      for (const child of Array.isArray(value) ? value : [value]) next.push([child, undefined]);
    }
    return next;
  };
  const visit = (node: unknown, via: string | undefined): string | undefined => {
    if (typeof node !== 'object' || node === null) return undefined;
    const seen = state.get(node);
    if (seen === 'open') return via ?? '#';
    if (seen === 'done') return undefined;
    state.set(node, 'open');
    for (const [child, ref] of edges(node as SchemaNode)) {
      const loop = visit(child, ref ?? via);
      if (loop) return loop;
    }
    state.set(node, 'done');
    return undefined;
  };
  // Every subschema starts a walk: a loop may sit under `properties` as well as at the root.
  for (const node of subschemas(schema)) {
    const loop = visit(node, undefined);
    if (loop) return loop;
  }
  return undefined;
}

/**
 * Whether no value can match a schema: `false`, `{ not: {} }`, an empty `enum`, or an `allOf`
 * with such a part. It catches the plain cases, not every contradiction.
 */
export function isUnsatisfiable(schema: unknown): boolean {
  if (schema === false) return true;
  if (typeof schema !== 'object' || schema === null) return false;
  const node = schema as SchemaNode;
  if (node.not === true || (isObject(node.not) && Object.keys(node.not).length === 0)) return true;
  if (Array.isArray(node.enum) && node.enum.length === 0) return true;
  if (Array.isArray(node.type) && node.type.length === 0) return true;
  if (Array.isArray(node.allOf) && node.allOf.some(isUnsatisfiable)) return true;
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const options = node[keyword];
    if (Array.isArray(options) && options.every(isUnsatisfiable)) return true;
  }
  return false;
}

/** Warnings of a valid workflow: things that pass validation but cannot work as written. */
export function workflowWarnings(
  workflow: Workflow,
): Array<{ path: Array<string | number>; message: string }> {
  if (workflow.input === undefined || !isUnsatisfiable(workflow.input)) return [];
  return [{ path: ['input'], message: 'The input schema matches no input at all, so every run will fail.' }];
}

function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node = root;
  for (const part of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as SchemaNode)[key];
  }
  return node;
}

function subschemas(schema: unknown, found: object[] = [], seen = new Set<object>()): object[] {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return found;
  seen.add(schema);
  found.push(schema);
  for (const value of Object.values(schema)) subschemas(value, found, seen);
  return found;
}

function isObject(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
