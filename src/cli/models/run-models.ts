import type { Command } from 'commander';
import { BatonError, type ModelResolver } from '../../core/index.js';
import type { RateLimiterPool } from '../../models/index.js';
import { collectModel } from '../parse-options.js';
import { type Cassette, readCassette, writeCassette } from './cassette.js';
import { recordingResolver, replayingResolver } from './cassette-models.js';
import { createCliModels } from './cli-models.js';

/** The model options of every command that runs steps. */
export interface ModelOptions {
  model?: Record<string, string>;
  record?: string;
  replay?: string;
  /** False with `--no-cache`. */
  cache?: boolean;
  /** `--mock`: run a workflow that calls tools on the mock model anyway. */
  mock?: boolean;
}

/** Adds `--model`, `--record` and `--replay` to a command that runs steps. */
export function withModelOptions(command: Command): Command {
  return command
    .option('--model <alias=provider:model>', 'use this model for an alias; repeat for more', collectModel)
    .option('--record <cassette.json>', 'record every model call (prompt and answer) to a cassette file')
    .option('--replay <cassette.json>', 'answer every model call from a cassette, with no provider')
    .option('--no-cache', 'neither read nor write the cache of model calls in the journal')
    .option('--mock', 'run on the mock model even though the workflow calls tools (no model configured)');
}

/** The models a run uses, and what to do once it ends. */
export interface RunModels {
  resolver: ModelResolver;
  /** True when model steps answer from the built-in mock model. */
  usesMock: boolean;
  /**
   * Whether the run may answer model calls from the journal's cache. Never while recording or
   * replaying a cassette: a cached answer would bypass the cassette.
   */
  cache: boolean;
  /** Writes the cassette of a recording run; a no-op otherwise. */
  finish(): void;
  /** A line saying which of these model names no alias defines, and what they stand for. */
  noteUndefined(names: readonly string[]): string | undefined;
}

/**
 * Models for a command that runs steps: from a cassette (`--replay`), or the configured models,
 * recorded to a cassette as they answer (`--record`).
 *
 * @example
 * ```ts
 * const models = await modelsForRun({ record: 'triage.cassette.json' });
 * try { await engine.run(definition); } finally { models.finish(); }
 * ```
 */
export async function modelsForRun(
  options: ModelOptions,
  rateLimiters?: RateLimiterPool,
): Promise<RunModels> {
  if (options.record !== undefined && options.replay !== undefined) {
    throw new BatonError('INPUT_INVALID', '--record and --replay cannot be used together.', {
      hint: 'Record once with --record, then run again with --replay.',
    });
  }
  if (options.replay !== undefined) {
    return {
      resolver: replayingResolver(readCassette(options.replay), options.replay),
      usesMock: false,
      cache: false,
      finish: () => {},
      noteUndefined: () => undefined,
    };
  }
  const models = await createCliModels({ cwd: process.cwd(), overrides: options.model ?? {}, rateLimiters });
  const noteUndefined = (names: readonly string[]) => {
    const missing = models.undefinedAliases(names);
    if (models.usesMock || missing.length === 0) return undefined;
    return `Model ${missing.length === 1 ? 'alias' : 'aliases'} ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not defined: ${models.idOf(undefined)} (the default model) answers for ${missing.length === 1 ? 'it' : 'them'}. Define one with --model ${missing[0]}=provider:model.`;
  };
  const record = options.record;
  if (record === undefined) {
    return {
      resolver: models.resolver,
      usesMock: models.usesMock,
      cache: options.cache !== false,
      finish: () => {},
      noteUndefined,
    };
  }
  const cassette: Cassette = { version: 1, models: {}, calls: [] };
  return {
    resolver: recordingResolver(models.resolver, cassette),
    usesMock: models.usesMock,
    cache: false,
    finish: () => writeCassette(record, cassette),
    noteUndefined,
  };
}
