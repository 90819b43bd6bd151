import { padVisible, visibleLength } from './format.js';

/**
 * Columns padded to their widest cell, two spaces apart; the last column is not padded. Cells
 * may hold ANSI colour.
 *
 * @example
 * ```ts
 * renderTable(['id', 'status'], [['run_1', 'succeeded']]);
 * ```
 */
export function renderTable(
  headers: string[],
  rows: string[][],
  options: { indent?: string } = {},
): string[] {
  const widths = headers.map((header, column) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[column] ?? ''))),
  );
  const line = (cells: string[]) =>
    (options.indent ?? '') +
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : padVisible(cell, widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}
