// Runs one fan-out in a fresh process and prints its peak resident set size in MB.
import { createEngine } from '../src/core/index.js';
import { MemoryStore } from '../src/store/memory/memory-store.js';
import { fanOut } from './dag-workloads.js';

const width = Number(process.argv[2] ?? 2000);
const engine = createEngine({ store: new MemoryStore(), concurrency: 4096 });
const result = await engine.run(fanOut(width));
if (result.status !== 'succeeded') throw new Error(result.error?.message);
console.log((process.resourceUsage().maxRSS / 1024).toFixed(1));
