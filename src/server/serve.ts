import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { BatonError } from '../core/index.js';
import { createServerApp, type ServerApp, type ServerAppOptions } from './app.js';
import { isLoopback } from './auth.js';

export interface ServeOptions extends ServerAppOptions {
  /** Default 127.0.0.1: this machine only. Any other address needs tokens. */
  host?: string;
  /** Default 4400; 0 picks a free port. */
  port?: number;
}

/** A listening server. */
export interface RunningServer {
  url: string;
  server: ServerApp;
  close(): Promise<void>;
}

/**
 * Starts the HTTP API (and the Studio) on a port. Without tokens it refuses to listen on anything
 * but loopback: an open API would let anyone on the network start runs and decide approvals.
 *
 * @example
 * ```ts
 * const running = await startServer({ store, folder: 'examples', port: 0 });
 * console.log(running.url);
 * await running.close();
 * ```
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.tokens?.configured) {
    throw new BatonError(
      'CONFIG_INVALID',
      `Refusing to listen on ${host} without tokens: anyone who can reach it could run workflows and decide approvals.`,
      {
        hint: 'Set BATON_SERVER_TOKENS=name:role:token (or --tokens-file), or listen on 127.0.0.1.',
      },
    );
  }
  const server = await createServerApp(options);
  const listening = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const instance = serve({ fetch: server.fetch, hostname: host, port: options.port ?? 4400 }, () =>
      resolve(instance),
    );
    instance.once('error', reject);
  });
  const { port } = listening.address() as AddressInfo;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    server,
    async close() {
      await server.close();
      // Open event streams would keep the server from closing.
      (listening as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => listening.close(() => resolve()));
    },
  };
}
