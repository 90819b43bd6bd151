#!/usr/bin/env node
/**
 * The `baton` command line. Exit codes are in exit-codes.ts and docs/cli.md.
 * @module
 */
import { CommanderError } from 'commander';
import { ExitCode } from './exit-codes.js';
import { endQuietlyOnClosedPipe } from './output.js';
import { createProgram } from './program.js';

endQuietlyOnClosedPipe();
const program = createProgram();
// Commander reports usage errors itself; exitOverride lets the exit-code table decide the code.
program.exitOverride();
for (const command of program.commands) command.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
}
