/** The parts of JSON Schema (draft 7 and 2020-12) the sampler reads. */
export interface JsonSchemaNode {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaDefinition>;
  required?: string[];
  items?: JsonSchemaDefinition | JsonSchemaDefinition[];
  prefixItems?: JsonSchemaDefinition[];
  additionalItems?: JsonSchemaDefinition;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  anyOf?: JsonSchemaDefinition[];
  oneOf?: JsonSchemaDefinition[];
  allOf?: JsonSchemaDefinition[];
  $ref?: string;
  [keyword: string]: unknown;
}

/** A schema, or `true`/`false` (anything, nothing). */
export type JsonSchemaDefinition = JsonSchemaNode | boolean;

// biome-ignore format: a word list reads best packed
const words = [
  'amber', 'brisk', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'harbor', 'indigo', 'juniper',
  'kestrel', 'lumen', 'meadow', 'nectar', 'orbit', 'pylon', 'quartz', 'ridge', 'summit', 'tundra',
];

/** A small seeded generator (mulberry32): the same seed gives the same values. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A 32-bit FNV-1a hash of a string, to seed {@link seededRandom}. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A value that satisfies a JSON Schema, derived from a seed: objects (every property, so required
 * ones are always there), arrays within their item counts, enums and consts, strings within their
 * lengths and common formats, numbers and integers within their bounds and multiples, booleans,
 * null, `anyOf`/`oneOf` (one branch), `allOf` (merged) and local `$ref`s. Patterns are not
 * followed.
 *
 * @example
 * ```ts
 * sampleFromJsonSchema({ type: 'object', properties: { mood: { enum: ['calm', 'tense'] } }, required: ['mood'] }, 7);
 * // { mood: 'tense' }
 * ```
 */
export function sampleFromJsonSchema(schema: unknown, seed: number): unknown {
  const random = seededRandom(seed);
  const root: JsonSchemaNode =
    typeof schema === 'object' && schema !== null ? (schema as JsonSchemaNode) : {};
  return sample(typeof schema === 'boolean' ? schema : root, { random, root, depth: 0 });
}

interface SampleContext {
  random: () => number;
  root: JsonSchemaNode;
  depth: number;
}

function sample(definition: JsonSchemaDefinition, context: SampleContext): unknown {
  if (typeof definition === 'boolean') return null;
  const schema = resolveRef(definition, context.root);
  const deeper = { ...context, depth: context.depth + 1 };
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return pick(schema.enum, context.random);
  if (schema.allOf) return sample(mergeAll(schema), deeper);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches && branches.length > 0) return sample(pick(branches, context.random), deeper);
  switch (typeOf(schema)) {
    case 'object':
      return sampleObject(schema, deeper);
    case 'array':
      return sampleArray(schema, deeper);
    case 'integer':
      return sampleNumber(schema, true, context.random);
    case 'number':
      return sampleNumber(schema, false, context.random);
    case 'boolean':
      return context.random() < 0.5;
    case 'null':
      return null;
    default:
      return sampleString(schema, context.random);
  }
}

function typeOf(schema: JsonSchemaNode): string {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const named = types.find((type) => type !== 'null') ?? types[0];
  if (named) return named;
  if (schema.properties || schema.required) return 'object';
  if (schema.items) return 'array';
  return 'string';
}

function sampleObject(schema: JsonSchemaNode, context: SampleContext): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  // Past a few levels only required properties are filled, so recursive schemas end.
  const shallow = context.depth > 6;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (shallow && !required.has(key)) continue;
    result[key] = sample(property, context);
  }
  for (const key of required) {
    if (!(key in result)) result[key] = sampleString({}, context.random);
  }
  return result;
}

function sampleArray(schema: JsonSchemaNode, context: SampleContext): unknown[] {
  const minimum = schema.minItems ?? 0;
  const maximum = schema.maxItems ?? Number.POSITIVE_INFINITY;
  const wanted = context.depth > 6 ? minimum : Math.min(maximum, Math.max(minimum, 2));
  // Draft 7 tuples are `items: [...]`; 2020-12 tuples are `prefixItems` with `items` for the rest.
  const tuple = schema.prefixItems ?? (Array.isArray(schema.items) ? schema.items : undefined);
  const rest = schema.prefixItems ? schema.items : schema.additionalItems;
  const itemSchema = (index: number): JsonSchemaDefinition => {
    if (tuple) return tuple[index] ?? (Array.isArray(rest) ? undefined : rest) ?? {};
    return Array.isArray(schema.items) ? {} : (schema.items ?? {});
  };
  const wantedWithTuple = tuple ? (rest === false ? tuple.length : Math.max(wanted, tuple.length)) : wanted;
  const items: unknown[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; items.length < wantedWithTuple && attempt < wantedWithTuple * 10; attempt++) {
    const item = sample(itemSchema(items.length), context);
    const key = JSON.stringify(item);
    if (schema.uniqueItems && seen.has(key)) continue;
    seen.add(key);
    items.push(item);
  }
  return items;
}

function sampleNumber(schema: JsonSchemaNode, integer: boolean, random: () => number): number {
  const step = schema.multipleOf ?? (integer ? 1 : 0.01);
  let low =
    schema.minimum ??
    (typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + step : undefined);
  let high =
    schema.maximum ??
    (typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - step : undefined);
  low ??= high !== undefined ? Math.min(0, high - 100) : 0;
  high ??= low + 100;
  const first = Math.ceil(low / step);
  const last = Math.floor(high / step);
  if (last < first) return low;
  const value = (first + Math.floor(random() * (last - first + 1))) * step;
  // Multiples of a decimal step pick up float noise (0.1 * 3); the step's own precision is enough.
  return Number(value.toFixed(decimals(step)));
}

function decimals(step: number): number {
  const text = String(step);
  return text.includes('.') ? (text.split('.')[1]?.length ?? 0) : 0;
}

function sampleString(schema: JsonSchemaNode, random: () => number): string {
  const token = () => pick(words, random);
  const number = Math.floor(random() * 1_000);
  let text: string;
  switch (schema.format) {
    case 'date-time':
      text = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 365) * 86_400_000).toISOString();
      break;
    case 'date':
      text = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 365) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      break;
    case 'time':
      text = `${String(number % 24).padStart(2, '0')}:${String(number % 60).padStart(2, '0')}:00`;
      break;
    case 'email':
      text = `${token()}.${number}@example.com`;
      break;
    case 'uri':
    case 'url':
      text = `https://example.com/${token()}/${number}`;
      break;
    case 'uuid':
      text = uuidFrom(random);
      break;
    default:
      text = `${token()} ${token()}`;
  }
  const minimum = schema.minLength ?? 0;
  while (text.length < minimum) text += ` ${token()}`;
  return schema.maxLength !== undefined ? text.slice(0, Math.max(minimum, schema.maxLength)) : text;
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '8';
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

function resolveRef(schema: JsonSchemaNode, root: JsonSchemaNode): JsonSchemaNode {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 32; hops++) {
    const target = current.$ref
      .replace(/^#\/?/, '')
      .split('/')
      .filter(Boolean)
      .reduce<unknown>(
        (node, key) =>
          (node as Record<string, unknown> | undefined)?.[
            decodeURIComponent(key.replaceAll('~1', '/').replaceAll('~0', '~'))
          ],
        root,
      );
    const { $ref: _resolved, ...rest } = current;
    current = {
      ...(typeof target === 'object' && target !== null ? (target as JsonSchemaNode) : {}),
      ...rest,
    };
  }
  return current;
}

function mergeAll(schema: JsonSchemaNode): JsonSchemaNode {
  const { allOf = [], ...rest } = schema;
  const merged: JsonSchemaNode = {
    ...rest,
    properties: { ...rest.properties },
    required: [...(rest.required ?? [])],
  };
  for (const part of allOf) {
    if (typeof part === 'boolean') continue;
    const { properties, required, ...keywords } = part;
    Object.assign(merged, keywords);
    Object.assign(merged.properties as object, properties);
    for (const key of required ?? []) if (!merged.required?.includes(key)) merged.required?.push(key);
  }
  return merged;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}
