import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BatonError } from '../../src/core/index.js';
import { type PullProgress, pullModel } from '../../src/models/index.js';

const model = Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(256 * 1024, 7)]);
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves one answer per path and counts requests. */
async function serve(routes: Record<string, (response: import('node:http').ServerResponse) => void>) {
  const hits: string[] = [];
  server = createServer((request, response) => {
    hits.push(request.url ?? '');
    const route = routes[request.url ?? ''];
    if (route) route(response);
    else response.writeHead(404).end('Not found');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const folder = () => mkdtempSync(join(tmpdir(), 'baton-pull-'));

async function failure(promise: Promise<unknown>): Promise<BatonError> {
  const error = await promise.then(
    () => expect.unreachable('the download should fail'),
    (thrown: unknown) => thrown,
  );
  if (!BatonError.is(error)) throw error;
  return error;
}

describe('pullModel', () => {
  it('downloads into the folder under the file name of the URL, reporting progress', async () => {
    const { url } = await serve({
      '/org/repo/resolve/main/tiny-q4.gguf': (response) => {
        response.writeHead(200, { 'content-length': String(model.length) });
        response.end(model);
      },
    });
    const destination = folder();
    const progress: PullProgress[] = [];
    const path = await pullModel({
      url: `${url}/org/repo/resolve/main/tiny-q4.gguf`,
      destination,
      onProgress: (update) => progress.push(update),
    });
    expect(path).toBe(join(destination, 'tiny-q4.gguf'));
    expect(readFileSync(path).equals(model)).toBe(true);
    expect(readdirSync(destination)).toEqual(['tiny-q4.gguf']);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ receivedBytes: model.length, totalBytes: model.length });
  });

  it('keeps a model already downloaded', async () => {
    const { url, hits } = await serve({ '/m.gguf': (response) => response.end(model) });
    const destination = join(folder(), 'm.gguf');
    await pullModel({ url: `${url}/m.gguf`, destination });
    await pullModel({ url: `${url}/m.gguf`, destination });
    expect(hits).toEqual(['/m.gguf']);
  });

  it('fails at once with a clear error when the server cannot be reached', async () => {
    const { url } = await serve({});
    server?.close();
    const destination = folder();
    const started = Date.now();
    const error = await failure(pullModel({ url: `${url}/m.gguf`, destination }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.code).toBe('MODEL_CALL_FAILED');
    expect(error.message).toMatch(
      /^Could not download the model http:\/\/127\.0\.0\.1:\d+\/m\.gguf: the server could not be reached/,
    );
    expect(error.hint).toContain('BATON_LOCAL_MODEL');
    expect(readdirSync(destination)).toEqual([]);
  });

  it('reports an HTTP error status', async () => {
    const { url } = await serve({});
    const error = await failure(pullModel({ url: `${url}/gone.gguf`, destination: folder() }));
    expect(error.message).toContain('the server answered HTTP 404');
    expect(error.details).toMatchObject({ statusCode: 404 });
  });

  it('refuses a file that is not a GGUF model', async () => {
    const { url } = await serve({ '/login.gguf': (response) => response.end('<html>Sign in</html>') });
    const destination = folder();
    const error = await failure(pullModel({ url: `${url}/login.gguf`, destination }));
    expect(error.message).toContain('the file is not a GGUF model');
    expect(readdirSync(destination)).toEqual([]);
  });

  it('leaves nothing behind when the download breaks off', async () => {
    const { url } = await serve({
      '/cut.gguf': (response) => {
        response.writeHead(200, { 'content-length': String(model.length) });
        response.write(model.subarray(0, 1024), () => response.destroy());
      },
    });
    const destination = folder();
    const error = await failure(pullModel({ url: `${url}/cut.gguf`, destination }));
    expect(error.message).toContain('the download broke off');
    expect(existsSync(join(destination, 'cut.gguf.part'))).toBe(false);
    expect(readdirSync(destination)).toEqual([]);
  });
});
