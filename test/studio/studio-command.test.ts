import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, root } from '../e2e/build-once.js';

describe('npm run studio', () => {
  it('serves the examples folder with the Studio, offline, and prints the URL', {
    timeout: 120_000,
  }, async () => {
    const script = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts.studio;
    // The script builds, then serves; the build is the test run's own.
    const [build, serve] = (script ?? '').split(' && ');
    expect(build).toBe('npm run build --silent');
    const [command, ...args] = (serve ?? '').split(' ');
    expect(command).toBe('node');
    await ensureBuilt();
    const folder = mkdtempSync(join(tmpdir(), 'baton-studio-command-'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/_API_KEY$|^BATON_/.test(key)),
    );
    const child = spawn(process.execPath, [...args, '--port', '0', '--db', join(folder, 'baton.db')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const look = (chunk: Buffer) => {
          output += chunk.toString();
          const found = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
          if (found) resolve(found[0]);
        };
        child.stdout.on('data', look);
        child.stderr.on('data', look);
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      const page = await fetch(`${url}/runs`);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain('<div id="root"></div>');
      expect(html).not.toMatch(/<script>(?!<)/);
      const bundle = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect((await fetch(`${url}${bundle}`)).status).toBe(200);
      const { workflows } = (await (await fetch(`${url}/api/workflows`)).json()) as {
        workflows: Array<{ name: string; valid: boolean }>;
      };
      expect(workflows.map((workflow) => workflow.name)).toEqual(
        expect.arrayContaining(['serial-chain', 'plan-approval', 'refund-agent']),
      );
    } finally {
      child.kill('SIGTERM');
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
