import { RE2JS } from 're2js';

/**
 * The regular expressions of JSONata (`/…/` literals, used by `$match`, `$replace`, `$split`,
 * `$contains`) run on RE2, whose matching time grows linearly with the input: a pattern like
 * `/^(a+)+$/` cannot stall the process the way a backtracking engine does. It implements the
 * part of `RegExp` that JSONata uses (`lastIndex` and `exec`). Backreferences and lookaheads are
 * not supported; such a pattern is an error when the expression is checked.
 */
export class LinearRegExp {
  lastIndex = 0;
  readonly source: string;
  readonly #pattern: RE2JS;

  constructor(pattern: RegExp | string) {
    const regexp = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
    this.source = regexp.source;
    let flags = 0;
    if (regexp.flags.includes('i')) flags |= RE2JS.CASE_INSENSITIVE;
    if (regexp.flags.includes('m')) flags |= RE2JS.MULTILINE;
    this.#pattern = RE2JS.compile(RE2JS.translateRegExp(regexp.source), flags);
  }

  /** Finds the next match at or after `lastIndex`, and moves `lastIndex` past it, as `RegExp` with `g` does. */
  exec(input: string): RegExpExecArray | null {
    const matcher = this.#pattern.matcher(input);
    if (this.lastIndex > input.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: Array<string | undefined> = [];
    for (let group = 0; group <= matcher.groupCount(); group++) {
      groups.push(matcher.start(group) < 0 ? undefined : (matcher.group(group) ?? undefined));
    }
    const match = Object.assign(groups, { index: matcher.start(), input }) as unknown as RegExpExecArray;
    this.lastIndex = matcher.end();
    return match;
  }
}
