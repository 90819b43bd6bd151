import { rmSync } from 'node:fs';
import { buildLock, buildStamp } from './build-once.js';

/** Each test run builds `dist/` again, once, the first time a test needs the built package. */
export default function setup(): void {
  rmSync(buildStamp, { force: true });
  rmSync(buildLock, { recursive: true, force: true });
}
