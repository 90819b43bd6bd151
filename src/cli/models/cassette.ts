import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BatonError, canonicalJson, type ModelPricing } from '../../core/index.js';

/**
 * A cassette: every model call of a run (the request and the provider's answer), so the run can
 * be replayed later with no provider, no key and no network. Calls are matched by model id and
 * a hash of the request.
 */
export interface Cassette {
  version: 1;
  /** What each model name of the workflow resolved to when recording (`''` is the default model). */
  models: Record<string, { id: string; pricing?: ModelPricing }>;
  /** The models each name stood for, in fallback order, when recording (`''` is the default). */
  chains?: Record<string, string[]>;
  calls: CassetteCall[];
}

export interface CassetteCall {
  model: string;
  /** The step that made the call, for people reading the file; matching does not use it. */
  stepPath: string;
  requestHash: string;
  /** The specification version of the recorded model, so the replayed one speaks the same. */
  specificationVersion: string;
  request: unknown;
  result: unknown;
}

/** The fields of a call that decide its answer; an abort signal or headers do not. */
export function hashModelRequest(options: Record<string, unknown>): { hash: string; request: unknown } {
  const request = {
    prompt: options.prompt,
    responseFormat: options.responseFormat,
    tools: options.tools,
    toolChoice: options.toolChoice,
    temperature: options.temperature,
    maxOutputTokens: options.maxOutputTokens,
  };
  const json = canonicalJson(JSON.parse(JSON.stringify(request)) as unknown);
  return { hash: createHash('sha256').update(json).digest('hex').slice(0, 16), request: JSON.parse(json) };
}

/**
 * Reads a cassette file.
 *
 * @example
 * ```ts
 * const cassette = readCassette('fixtures/triage.cassette.json');
 * ```
 */
export function readCassette(path: string): Cassette {
  if (!existsSync(path)) {
    throw new BatonError('INPUT_INVALID', `Cassette ${path} does not exist.`, {
      hint: 'Record one first with `baton run <workflow> --record <file>`.',
    });
  }
  let parsed: Partial<Cassette>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Cassette>;
  } catch (error) {
    throw new BatonError('INPUT_INVALID', `Cassette ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
      hint: 'Record it again with `baton run <workflow> --record <file>`.',
    });
  }
  if (parsed.version !== 1 || !Array.isArray(parsed.calls) || typeof parsed.models !== 'object') {
    throw new BatonError('INPUT_INVALID', `Cassette ${path} is not a Baton cassette (version 1).`, {
      hint: 'Record it again with `baton run <workflow> --record <file>`.',
    });
  }
  return parsed as Cassette;
}

/** Writes a cassette, creating its directory. */
export function writeCassette(path: string, cassette: Cassette): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(cassette, null, 2)}\n`);
}
