import type { Command } from 'commander';
import { closeWorkflowModules } from '../authoring/yaml/index.js';
import { endTelemetry } from './cli-engine.js';
import { type ExitCode, exitCodeForError } from './exit-codes.js';
import { type CliOutput, createOutput } from './output.js';

/** Options every command takes. */
export interface CommonOptions {
  json?: boolean;
  db?: string;
}

/** Adds `--json` and `--db` to a command, so each command's `--help` lists them. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON document on stdout instead of text')
    .option('--db <path>', 'the SQLite journal (default .baton/baton.db in the working directory)');
}

/**
 * Sets a command's action: the handler returns an exit code; an error it throws is printed once
 * (one line, or `{ "error": ... }` with `--json`) and mapped through the exit-code table.
 */
export function setAction<OPTIONS extends CommonOptions>(
  command: Command,
  handler: (context: { output: CliOutput; options: OPTIONS; args: string[] }) => Promise<ExitCode>,
): Command {
  return command.action(async (...received: unknown[]) => {
    const self = received[received.length - 1] as Command;
    // With globals: a subcommand (`models pull`) sees `--json` given to its parent too.
    const options = self.optsWithGlobals<OPTIONS>();
    const output = createOutput({ json: options.json === true });
    try {
      process.exitCode = await handler({ output, options, args: received.slice(0, -2) as string[] });
    } catch (error) {
      output.error(error);
      process.exitCode = exitCodeForError(error);
    } finally {
      try {
        await endTelemetry();
      } catch (error) {
        output.note(`Sending telemetry failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      // Whatever the command's outcome, modules that opened connections release them, or Node
      // would not exit.
      for (const error of await closeWorkflowModules()) {
        output.note(
          `A workflow module's close() failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  });
}
