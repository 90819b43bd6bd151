import { createHash } from 'node:crypto';
import { BatonError } from '../../core/index.js';

/**
 * Values whose JSON is longer than this many characters are stored once in `blobs` under the
 * sha256 of their text, and referenced. The same holds inside a value: a large output that a
 * later step wraps in an object, a map gathers into its list, or the run returns, is stored once.
 */
export const inlineLimit = 1024;

/** Stores a blob; a no-op when that content is already there. */
export type PutBlob = (hash: string, body: string) => void;
/** The text of a blob, or undefined when it is missing. */
export type GetBlob = (hash: string) => string | undefined;

// In a blob body, `{"$blob":"<sha256>"}` stands for another blob. A key of the value itself that
// looks like the marker (`$blob`, `$$blob`, ...) gets one more `$`, so it can never be mistaken.
const markerKey = '$blob';
const markerLike = /^\$+blob$/;

/**
 * A value as two columns: inline JSON, or the hash of its blob. Both null for `undefined`.
 * Inline JSON is plain JSON; only blob bodies hold markers.
 */
export function storeValue(value: unknown, putBlob: PutBlob): [json: string | null, blob: string | null] {
  if (value === undefined) return [null, null];
  const json = JSON.stringify(value);
  if (json === undefined) return [null, null];
  if (json.length <= inlineLimit) return [json, null];
  const body = encodeBody(value, putBlob, json);
  const hash = sha256(body);
  putBlob(hash, body);
  return [null, hash];
}

/** The inverse of {@link storeValue}. `body` is the blob text when the query joined it already. */
export function loadValue(
  json: string | null,
  hash: string | null,
  body: string | null | undefined,
  getBlob: GetBlob,
): unknown {
  if (json !== null) return JSON.parse(json);
  if (hash === null) return undefined;
  return decodeBody(body ?? blobText(hash, getBlob), getBlob);
}

/**
 * The JSON of `value` (whose plain JSON is `plain`) with each large part replaced by a marker of
 * the blob it was stored in.
 */
function encodeBody(value: unknown, putBlob: PutBlob, plain: string): string {
  const encode = (node: unknown, known?: string): string | undefined => {
    if (node !== null && typeof node === 'object') {
      const own = node as { toJSON?: () => unknown };
      if (typeof own.toJSON === 'function') return encode(own.toJSON());
    }
    // A part whose plain JSON is small holds no large part, and without `blob"` in it no key
    // that looks like a marker: its JSON is its plain JSON, made in one call.
    const whole = known ?? JSON.stringify(node);
    if (whole === undefined || (whole.length <= inlineLimit && !whole.includes('blob"'))) return whole;
    let json: string | undefined;
    if (Array.isArray(node)) {
      json = `[${node.map((item) => encode(item) ?? 'null').join(',')}]`;
    } else if (node !== null && typeof node === 'object') {
      const members: string[] = [];
      for (const [key, item] of Object.entries(node)) {
        const encoded = encode(item);
        if (encoded !== undefined)
          members.push(`${JSON.stringify(markerLike.test(key) ? `$${key}` : key)}:${encoded}`);
      }
      json = `{${members.join(',')}}`;
    } else {
      json = JSON.stringify(node);
    }
    if (json === undefined || json.length <= inlineLimit || node === value) return json;
    const hash = sha256(json);
    putBlob(hash, json);
    return `{"${markerKey}":"${hash}"}`;
  };
  return encode(value, plain) ?? 'null';
}

function decodeBody(body: string, getBlob: GetBlob): unknown {
  return JSON.parse(body, (_key, node: unknown) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
    const keys = Object.keys(node);
    const reference = (node as Record<string, unknown>)[markerKey];
    if (keys.length === 1 && typeof reference === 'string')
      return decodeBody(blobText(reference, getBlob), getBlob);
    if (!keys.some((key) => markerLike.test(key))) return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, item]) => [markerLike.test(key) ? key.slice(1) : key, item]),
    );
  });
}

function blobText(hash: string, getBlob: GetBlob): string {
  const text = getBlob(hash);
  if (text === undefined) {
    throw new BatonError(
      'STORE_UNAVAILABLE',
      `The journal refers to blob ${hash}, which is missing: the journal is damaged.`,
      {
        hint: 'Restore the journal from a copy; the records that refer to this blob cannot be read.',
        details: { hash },
      },
    );
  }
  return text;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
