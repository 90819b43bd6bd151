#!/usr/bin/env node
/**
 * The `baton` executable. It checks the Node.js version before loading anything else: the native
 * modules the CLI loads are built for Node 22, and older versions crash on them with a
 * segmentation fault instead of an error. So this file imports nothing statically and uses no
 * syntax newer than what Node 14 parses.
 * @module
 */
const requiredMajor = 22;
const current = process.versions.node;
if (Number(current.split('.')[0]) < requiredMajor) {
  process.stderr.write(
    `baton needs Node.js ${requiredMajor} or later; this is Node.js ${current}. Install Node.js ${requiredMajor} (e.g. \`nvm install ${requiredMajor}\`) and run it again.\n`,
  );
  process.exitCode = 1;
} else {
  await import('./main.js');
}
