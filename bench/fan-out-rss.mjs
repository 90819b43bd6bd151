// Runs one 2,000-wide fan-out in a fresh process on the built package (`npm run build`), with the
// default options and the memory or the SQLite store, and prints the peak resident set size in
// MB: what a user's process would hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createSqliteStore, MemoryStore } from '../dist/index.js';

const width = Number(process.argv[2] ?? 2000);
const kind = process.argv[3] ?? 'memory';
const directory = mkdtempSync(join(tmpdir(), 'baton-rss-'));
const store =
  kind === 'sqlite' ? createSqliteStore({ path: join(directory, 'baton.db') }) : new MemoryStore();
const middle = Array.from({ length: width }, (_, index) => `s${index}`);
const steps = [
  { id: 'root', kind: 'transform', value: { function: 'value' } },
  ...middle.map((id) => ({ id, kind: 'transform', value: { function: 'value' }, needs: ['root'] })),
  { id: 'join', kind: 'transform', value: { function: 'value' }, needs: middle },
];
const engine = createEngine({ store });
const result = await engine.run({ workflow: { name: 'fan-out', steps }, functions: { value: () => 1 } });
await store.close?.();
rmSync(directory, { recursive: true, force: true });
if (result.status !== 'succeeded') throw new Error(result.error?.message);
console.log((process.resourceUsage().maxRSS / 1024).toFixed(1));
