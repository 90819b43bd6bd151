import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Spawns the real `baton` entry point in a temp directory, as a user would run it. */

const root = resolve(import.meta.dirname, '../..');
export const mainPath = join(root, 'src/cli/main.ts');
// --import resolves against the working directory, which is a temp dir without node_modules.
const tsxLoader = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A temp directory holding `files` (paths relative to it). */
export function makeWorkspace(files: Record<string, string> = {}): string {
  const directory = mkdtempSync(join(tmpdir(), 'baton-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(directory, path)), { recursive: true });
    writeFileSync(join(directory, path), text);
  }
  return directory;
}

/** The environment of a spawned CLI: no configured model, no colour, a home of its own. */
export function cliEnvironment(cwd: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('BATON_') && !key.endsWith('_API_KEY')) env[key] = value;
  }
  return { ...env, HOME: cwd, NO_COLOR: '1', ...extra };
}

/** The command line that runs the CLI, for a shell (the pseudo-terminal test). */
export function cliCommandLine(args: string[]): string {
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  return [process.execPath, '--import', tsxLoader, mainPath, ...args].map(quote).join(' ');
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains the text. */
  waitForOutput(text: string | RegExp): Promise<void>;
  exited: Promise<CliResult>;
}

/** Starts the CLI and returns at once, for tests that signal it while it runs. */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): RunningCli {
  const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, ...args], {
    cwd: options.cwd,
    env: cliEnvironment(options.cwd, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string | RegExp; resolve: () => void }> = [];
  const matches = (text: string | RegExp) =>
    typeof text === 'string' ? stdout.includes(text) : text.test(stdout);
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of [...waiters]) {
      if (matches(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForOutput(text) {
      if (matches(text)) return Promise.resolve();
      return new Promise((resolvePromise, reject) => {
        waiters.push({ text, resolve: resolvePromise });
        void exited.then((result) =>
          reject(
            new Error(
              `baton exited (${result.code}) before printing ${String(text)}:\n${result.stdout}\n${result.stderr}`,
            ),
          ),
        );
      });
    },
    exited,
  };
}

/** Runs the CLI to its end. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  return startCli(args, options).exited;
}

/** The run id a plain-mode run printed first. */
/**
 * The result document of `baton run|resume|approve|reject|replay|answer --json`: the last of its
 * JSON lines (the lines before it are the run's events).
 */
// biome-ignore lint/suspicious/noExplicitAny: tests read the fields they expect
export function runResultOf(stdout: string): any {
  const last = stdout.trim().split('\n').at(-1);
  if (last === undefined) throw new Error('no output');
  return JSON.parse(last);
}

export function runIdOf(output: string): string {
  const id = /run_[a-z0-9]+/.exec(output)?.[0];
  if (id === undefined) throw new Error(`no run id in:\n${output}`);
  return id;
}

/** A workflow module with a `sleep` tool (its delay from the input, or SLEEP_MS) and a `record` tool that appends to calls.log. */
export const toolModule = `
import { appendFileSync } from 'node:fs';

export const functions = {
  shout: (scope) => String(scope.steps.outline).toUpperCase(),
};

export const tools = {
  sleep: {
    inputSchema: { type: 'object', properties: { ms: { type: 'number' }, label: { type: 'string' } } },
    execute: (input, context) =>
      new Promise((resolve, reject) => {
        const ms = process.env.SLEEP_MS === undefined ? input.ms : Number(process.env.SLEEP_MS);
        const timer = setTimeout(() => resolve('slept ' + (input.label ?? '')), ms);
        context.abortSignal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(context.abortSignal.reason);
        });
      }),
  },
  record: {
    inputSchema: { type: 'object', properties: { label: { type: 'string' } } },
    execute: (input) => {
      appendFileSync('calls.log', input.label + '\\n');
      return 'recorded ' + input.label;
    },
  },
};
`;
