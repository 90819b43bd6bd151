import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliEnvironment } from '../cli/cli-harness.js';
import { binPath, ensureBuilt, root } from './build-once.js';

beforeAll(ensureBuilt, 120_000);

const readmes = [
  'README.md',
  'examples/README.md',
  ...readdirSync(join(root, 'examples'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `examples/${entry.name}/README.md`),
];

/** The `baton` commands of a README's sh blocks, continuation lines joined, comments dropped. */
function commandsOf(readme: string): string[] {
  const text = readFileSync(join(root, readme), 'utf8');
  return Array.from(text.matchAll(/```sh\n([\s\S]*?)```/g), (match) => match[1] ?? '')
    .flatMap((block) => block.replace(/\\\n\s*/g, '').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => /^(baton|npm run baton --) /.test(line))
    .map((line) => line.replace(/^(baton|npm run baton --) /, ''));
}

/** Splits a command line as a shell would: quotes may open inside a word (`a="b c"`); no expansions. */
function argumentsOf(line: string): string[] {
  return Array.from(line.matchAll(/(?:"[^"]*"|'[^']*'|[^\s"']+)+/g), (match) =>
    match[0].replace(
      /"([^"]*)"|'([^']*)'/g,
      (_quoted, double?: string, single?: string) => double ?? single ?? '',
    ),
  );
}

// A run on a provider that needs a key the test does not have must load the workflow and its
// module and stop at the missing key, not earlier.
const needsKey = /--model \S*=(openai|anthropic|together):/;

describe.each(readmes)('the commands of %s, run with the built CLI', (readme) => {
  const commands = commandsOf(readme);
  it.runIf(commands.length > 0)(
    'all run, in order, in a fresh folder',
    () => {
      const cwd = mkdtempSync(join(tmpdir(), 'baton-readme-'));
      symlinkSync(join(root, 'examples'), join(cwd, 'examples'));
      let lastRun: string | undefined;
      for (const command of commands) {
        const line = command.replace(/<run>|\brun_[a-z0-9]{8,}\b/g, () => {
          if (lastRun === undefined) throw new Error(`${readme}: "${command}" names a run before any ran`);
          return lastRun;
        });
        const placeholder = /<[^>]+>/.exec(line);
        if (placeholder)
          throw new Error(`${readme}: "${command}" has a placeholder ${placeholder[0]} a user cannot run`);
        const result = spawnSync(process.execPath, [binPath, ...argumentsOf(line)], {
          cwd,
          env: cliEnvironment(cwd),
          encoding: 'utf8',
          timeout: 60_000,
        });
        const shown = `${readme}: baton ${line}\n${result.stdout}\n${result.stderr}`;
        if (needsKey.test(line) && line.startsWith('run ')) {
          expect(result.status, shown).toBe(1);
          expect(result.stderr, shown).toMatch(/needs an API key/);
        } else {
          // 3: the run waits for an approval, as the README says.
          expect([0, 3], shown).toContain(result.status);
        }
        lastRun = /run_[a-z0-9]+/.exec(result.stdout + result.stderr)?.[0] ?? lastRun;
      }
    },
    300_000,
  );
});
