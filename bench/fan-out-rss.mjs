// Runs one 2,000-wide fan-out in a fresh process on the built package (`npm run build`) and
// prints the peak resident set size in MB: what a user's process would hold.
import { createEngine } from '../dist/core/index.js';
import { MemoryStore } from '../dist/store/memory/memory-store.js';

const width = Number(process.argv[2] ?? 2000);
const middle = Array.from({ length: width }, (_, index) => `s${index}`);
const steps = [
  { id: 'root', kind: 'transform', value: { function: 'value' } },
  ...middle.map((id) => ({ id, kind: 'transform', value: { function: 'value' }, needs: ['root'] })),
  { id: 'join', kind: 'transform', value: { function: 'value' }, needs: middle },
];
const engine = createEngine({ store: new MemoryStore(), concurrency: 4096 });
const result = await engine.run({ workflow: { name: 'fan-out', steps }, functions: { value: () => 1 } });
if (result.status !== 'succeeded') throw new Error(result.error?.message);
console.log((process.resourceUsage().maxRSS / 1024).toFixed(1));
