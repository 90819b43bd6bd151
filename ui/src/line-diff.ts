/** A line diff (longest common subsequence), for showing two step outputs side by side. */
export interface DiffLine {
  text: string;
  change: 'same' | 'removed' | 'added';
}

/** Lines of `before` and `after`, each marked; past 2,000 lines a side everything is marked changed. */
export function diffLines(before: string, after: string): { left: DiffLine[]; right: DiffLine[] } {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  if (a.length > 2000 || b.length > 2000) {
    return {
      left: a.map((text) => ({ text, change: 'removed' })),
      right: b.map((text) => ({ text, change: 'added' })),
    };
  }
  // lengths[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lengths = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lengths[i] as Uint16Array;
    const below = lengths[i + 1] as Uint16Array;
    for (let j = b.length - 1; j >= 0; j--)
      row[j] = a[i] === b[j] ? (below[j + 1] ?? 0) + 1 : Math.max(below[j] ?? 0, row[j + 1] ?? 0);
  }
  const left: DiffLine[] = [];
  const right: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      left.push({ text: a[i] ?? '', change: 'same' });
      right.push({ text: b[j] ?? '', change: 'same' });
      i++;
      j++;
    } else if ((lengths[i + 1]?.[j] ?? 0) >= (lengths[i]?.[j + 1] ?? 0)) {
      left.push({ text: a[i++] ?? '', change: 'removed' });
    } else {
      right.push({ text: b[j++] ?? '', change: 'added' });
    }
  }
  while (i < a.length) left.push({ text: a[i++] ?? '', change: 'removed' });
  while (j < b.length) right.push({ text: b[j++] ?? '', change: 'added' });
  return { left, right };
}
