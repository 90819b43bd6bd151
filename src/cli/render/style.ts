/** Colours for a terminal, or none: `NO_COLOR` is honoured and pipes get plain text. */
export interface Style {
  dim(text: string): string;
  bold(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain: Style = {
  dim: (text) => text,
  bold: (text) => text,
  green: (text) => text,
  red: (text) => text,
  yellow: (text) => text,
  cyan: (text) => text,
};

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const colored: Style = {
  dim: wrap(2, 22),
  bold: wrap(1, 22),
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

/**
 * The style for a stream: colours only on a terminal and when `NO_COLOR` is not set.
 *
 * @example
 * ```ts
 * const style = styleFor(process.stdout.isTTY === true);
 * console.log(style.green('succeeded'));
 * ```
 */
export function styleFor(isTTY: boolean): Style {
  return isTTY && process.env.NO_COLOR === undefined ? colored : plain;
}
