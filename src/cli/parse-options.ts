import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { BatonError } from '../core/index.js';

/**
 * Parsers of option values. Each throws commander's InvalidArgumentError, which commander
 * reports with the option's name, and `baton` turns into exit code 2.
 */

/** `--input key=value`, repeatable. The value is JSON when it parses as JSON (`3`, `true`, `[1]`), else text. */
export function collectInput(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const equals = value.indexOf('=');
  if (equals <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}".`);
  const key = value.slice(0, equals);
  const text = value.slice(equals + 1);
  return { ...previous, [key]: parseLoose(text) };
}

/** `--model alias=provider:model`, repeatable; a bare `--model provider:model` sets the default model. */
export function collectModel(value: string, previous: Record<string, string> = {}): Record<string, string> {
  if (/^[A-Za-z0-9_-]+:[^=]+$/.test(value)) return { ...previous, default: value };
  const match = /^([A-Za-z0-9_.-]+)=([A-Za-z0-9_-]+(?::.+)?)$/.exec(value);
  if (!match?.[1] || !match[2])
    throw new InvalidArgumentError(`expected alias=provider:model, got "${value}".`);
  return { ...previous, [match[1]]: match[2] };
}

/** A non-negative amount of US dollars. */
export function parseBudget(value: string): number {
  const amount = Number(value.replace(/^\$/, ''));
  if (!Number.isFinite(amount) || amount < 0)
    throw new InvalidArgumentError(`expected an amount in US dollars, got "${value}".`);
  return amount;
}

/** A positive whole number. */
export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}".`);
  return number;
}

/**
 * `--since`: an ISO date or date-time (`2024-05-01`, `2024-05-01T12:00`), or an age such as
 * `30m`, `12h`, `7d`. Returns epoch milliseconds.
 */
export function parseSince(value: string, now: number = Date.now()): number {
  const age = /^(\d+)(m|h|d|w)$/.exec(value);
  if (age?.[1] && age[2]) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[age[2] as 'm' | 'h' | 'd' | 'w'];
    return now - Number(age[1]) * unit;
  }
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new InvalidArgumentError(`expected a date (2024-05-01) or an age (12h, 7d), got "${value}".`);
  return time;
}

/** Reads a JSON file given to an option such as `--input-file` or `--edit`. */
export function readJsonFile(path: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BatonError(
      'INPUT_INVALID',
      `${option} ${path}: cannot read the file (${(error as Error).message}).`,
      {
        cause: error,
        hint: 'Check the path; it is relative to the current directory.',
      },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BatonError(
      'INPUT_INVALID',
      `${option} ${path} is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Fix the JSON in the file.',
      },
    );
  }
}

/** The run input from `--input-file` then `--input` pairs, which win. */
export function runInput(options: {
  input?: Record<string, unknown>;
  inputFile?: string;
}): Record<string, unknown> | undefined {
  if (options.inputFile === undefined && options.input === undefined) return undefined;
  const fromFile = options.inputFile === undefined ? {} : readJsonFile(options.inputFile, '--input-file');
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new BatonError('INPUT_INVALID', `--input-file ${options.inputFile} must hold a JSON object.`, {
      hint: 'Write the input as {"field": value, ...}.',
    });
  }
  return { ...(fromFile as Record<string, unknown>), ...options.input };
}

function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the value is the text itself, so `--input topic=whales` needs no quotes.
    return text;
  }
}
