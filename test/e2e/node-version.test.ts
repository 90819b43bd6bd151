import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { binPath, ensureBuilt } from './build-once.js';

beforeAll(ensureBuilt, 120_000);

// Pretends to be an older Node, so the check is tested wherever the tests run.
const olderNode = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.1"})';

describe('the baton executable', () => {
  it('refuses an older Node with one line naming the version it needs', () => {
    const result = spawnSync(process.execPath, ['--import', olderNode, binPath, '--help'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/needs Node\.js 22 or later; this is Node\.js 20\.11\.1/),
    ]);
  });

  it('runs on Node 22', () => {
    expect(execFileSync(process.execPath, [binPath, '--help'], { encoding: 'utf8' })).toContain(
      'Usage: baton',
    );
  });

  // The machine's own Node, when it is older, shows the check runs before any native module loads.
  const systemNode = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' });
  const systemMajor = Number(systemNode.stdout?.replace('v', '').split('.')[0]);
  it.runIf(systemNode.status === 0 && systemMajor < 22)('stops a real older Node before it crashes', () => {
    const result = spawnSync(
      '/usr/bin/node',
      [binPath, 'validate', 'examples/serial-chain/serial-chain.yaml'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/needs Node\.js 22 or later/);
  });
});
