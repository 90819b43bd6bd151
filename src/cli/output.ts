import { BatonError, serializeError } from '../core/index.js';
import { escapeControl } from './render/format.js';

/** Where a command writes: results on stdout, notes and errors on stderr. */
export interface CliOutput {
  /** `--json`: stdout carries JSON only (one document, or JSON lines for a run) and nothing else. */
  readonly json: boolean;
  readonly isTTY: boolean;
  /** Terminal width, for lines that must not wrap. */
  readonly columns: number;
  /** Writes raw text to stdout. */
  write(text: string): void;
  /** A line of the human result on stdout; dropped in `--json` mode. */
  line(text?: string): void;
  /** A one-line note for the person at the terminal, on stderr. */
  note(text: string): void;
  /** The machine-readable result on stdout, in `--json` mode only. */
  data(value: unknown): void;
  /** One compact JSON line on stdout, in `--json` mode only: an event of a run, or its result. */
  jsonLine(value: unknown): void;
  /** Reports an error: one line from `describe()`, or `{ "error": ... }` in `--json` mode. */
  error(error: unknown): void;
}

/**
 * An output over the process's streams.
 *
 * @example
 * ```ts
 * const output = createOutput({ json: options.json === true });
 * output.line('Run run_1 succeeded');
 * ```
 */
export function createOutput(options: { json: boolean }): CliOutput {
  const { stdout, stderr } = process;
  return {
    json: options.json,
    isTTY: stdout.isTTY === true,
    columns: stdout.columns || 120,
    write: (text) => {
      writeTo(stdout, text);
    },
    line(text = '') {
      if (!options.json) writeTo(stdout, `${escapeControl(text)}\n`);
    },
    note(text) {
      writeTo(stderr, `${escapeControl(text)}\n`);
    },
    data(value) {
      if (options.json) writeTo(stdout, `${JSON.stringify(value, null, 2)}\n`);
    },
    jsonLine(value) {
      if (options.json) writeTo(stdout, `${JSON.stringify(value)}\n`);
    },
    error(error) {
      if (options.json) {
        writeTo(stdout, `${JSON.stringify({ error: serializeForJson(error) }, null, 2)}\n`);
        return;
      }
      writeTo(stderr, `${escapeControl(describeError(error))}\n`);
    },
  };
}

/**
 * The human text of an error. A one-line message prints as `describe()` does; a message with
 * several lines (every problem of a workflow file) keeps its lines and puts the hint last.
 */
export function describeError(error: unknown): string {
  if (!BatonError.is(error)) {
    return `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  }
  if (!error.message.includes('\n')) return `error: ${error.describe()}`;
  const docs = `See docs/errors.md#${error.code.toLowerCase().replaceAll('_', '-')}`;
  return `error: ${error.message}\n${error.hint ? `${error.hint} ` : ''}${docs}`;
}

function serializeForJson(error: unknown) {
  const serialized = serializeError(error);
  // A stack is for a bug report, not for a program reading the result.
  if (serialized.cause) delete serialized.cause.stack;
  return serialized;
}

/** Streams whose reader went away (`baton runs | head`): what is written to them is dropped. */
const closedStreams = new Set<NodeJS.WriteStream>();

/**
 * `baton runs | head` closes stdout early. The rest of the output has nowhere to go, so it is
 * dropped without a stack trace, and the command (a run, say) still finishes and journals its end.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closedStreams.add(stream);
    });
  }
}

function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (!closedStreams.has(stream)) stream.write(text);
}
