import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServerApp, type ServerApp, type ServerAppOptions } from '../../src/server/app.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';

export const greetYaml = `name: greet
description: Says hello.
input:
  type: object
  properties:
    name: { type: string, minLength: 1 }
  required: [name]
steps:
  - id: hello
    kind: transform
    value: '"Hello, " & input.name'
  - id: shout
    kind: transform
    value: '$uppercase(steps.hello)'
`;

export const reviewYaml = `name: review
input:
  type: object
  properties:
    total: { type: number }
  required: [total]
steps:
  - id: draft
    kind: transform
    value: '{ "total": input.total }'
  - id: check
    kind: approval
    subject: { total: '{{ steps.draft.total }}' }
    instructions: Check the total.
    output:
      type: object
      properties:
        total: { type: number, minimum: 0 }
      required: [total]
  - id: done
    kind: transform
    value: '{ "approved": steps.check.total }'
`;

/** A folder of workflow files (one of them broken) and a SQLite journal in a temp dir. */
export function serverFolder(): { folder: string; db: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'baton-server-'));
  const folder = join(root, 'workflows');
  mkdirSync(folder);
  writeFileSync(join(folder, 'greet.yaml'), greetYaml);
  writeFileSync(join(folder, 'review.yaml'), reviewYaml);
  writeFileSync(join(folder, 'broken.yaml'), 'name: broken\nsteps:\n  - id: a\n    kind: nonsense\n');
  writeFileSync(join(folder, 'input.json'), '{ "name": "Ana" }');
  return {
    folder,
    db: join(root, 'baton.db'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A server app over a fresh folder and journal; `close` frees both. */
export async function testServer(
  options: Partial<ServerAppOptions> = {},
): Promise<{ server: ServerApp; store: SqliteStore; folder: string; close(): Promise<void> }> {
  const files = serverFolder();
  const store = createSqliteStore({ path: files.db });
  const server = await createServerApp({ store, folder: files.folder, sweepIntervalMs: false, ...options });
  return {
    server,
    store,
    folder: files.folder,
    async close() {
      await server.close();
      await store.close();
      files.cleanup();
    },
  };
}
