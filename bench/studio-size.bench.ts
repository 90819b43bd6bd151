/**
 * The Studio's JavaScript as a browser downloads it: every `.js` file of the built `dist/ui`,
 * gzipped (level 9, as a static server or proxy would send it). `npm run bench` builds first.
 * Goal: at most 350 kB gzipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const goalBytes = 350 * 1000;

export default async function studioSize(): Promise<void> {
  const assets = resolve(import.meta.dirname, '../dist/ui/assets');
  const files = readdirSync(assets).filter((file) => file.endsWith('.js'));
  if (files.length === 0) throw new Error(`No JavaScript in ${assets}: run \`npm run build\` first.`);
  let raw = 0;
  let gzipped = 0;
  for (const file of files) {
    const bytes = readFileSync(join(assets, file));
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  const kilobytes = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  console.log(
    `Studio JavaScript: ${files.length} file(s), ${kilobytes(raw)} raw, ${kilobytes(gzipped)} gzipped`,
  );
  console.log(`goal: <= ${kilobytes(goalBytes)} gzipped — ${gzipped <= goalBytes ? 'met' : 'NOT MET'}`);
}
