import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliEnvironment } from '../cli/cli-harness.js';
import { randomModelPath } from '../models/test-models.js';
import { binPath, ensureBuilt, root } from './build-once.js';

beforeAll(ensureBuilt, 120_000);

function runExample(args: string[], options: { env?: Record<string, string>; config?: string } = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'baton-choose-'));
  symlinkSync(join(root, 'examples'), join(cwd, 'examples'));
  if (options.config) writeFileSync(join(cwd, 'baton.config.yaml'), options.config);
  return spawnSync(process.execPath, [binPath, 'run', ...args], {
    cwd,
    env: cliEnvironment(cwd, options.env),
    encoding: 'utf8',
    timeout: 180_000,
  });
}

const serialChain = [
  'examples/serial-chain/serial-chain.yaml',
  '--input-file',
  'examples/serial-chain/sally.json',
];
// Names the aliases `fast` and `smart`, which none of the ways below defines.
const routing = [
  'examples/multi-step-orchestration/model-routing.yaml',
  '--input-file',
  'examples/multi-step-orchestration/contract.json',
];

describe('each documented way of choosing the model runs the examples', () => {
  it.each([
    ['models.default', { config: 'models:\n  default: mock:chosen\n' }, []],
    ['BATON_MODEL', { env: { BATON_MODEL: 'mock:chosen' } }, []],
    ['--model provider:model', {}, ['--model', 'mock:chosen']],
    ['--model default=provider:model', {}, ['--model', 'default=mock:chosen']],
  ] as const)(
    '%s',
    (_way, options, extra) => {
      for (const example of [serialChain, routing]) {
        const result = runExample([...example, ...extra], options);
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toMatch(/step-end \S+ succeeded .*model=mock:chosen/);
        expect(result.stdout).not.toMatch(/model=mock:(default|fast|smart)\b/);
      }
    },
    120_000,
  );

  it('BATON_LOCAL_MODEL, with a model that never stops on its own', () => {
    const result = runExample(serialChain, { env: { BATON_LOCAL_MODEL: randomModelPath } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/step-end answer succeeded .*model=local:llama-2-tiny-random/);
  }, 200_000);
});
