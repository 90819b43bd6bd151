import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

// Loaded with the first regex, as JSONata is with the first expression: most runs never need it.
let re2: typeof import('re2js') | undefined;
const loadRe2 = () => {
  re2 ??= createRequire(import.meta.url)('re2js') as typeof import('re2js');
  return re2.RE2JS;
};

// JSONata builds a new regex object each time a regex literal is evaluated (once per item in a
// filter): compiled patterns are kept, a bounded number of them.
const patterns = new Map<string, RE2JS>();
const maxPatterns = 1000;

function compiledPattern(source: string, flags: number): RE2JS {
  const key = `${flags}/${source}`;
  let pattern = patterns.get(key);
  if (pattern === undefined) {
    const engine = loadRe2();
    pattern = engine.compile(engine.translateRegExp(source), flags);
    if (patterns.size >= maxPatterns) patterns.clear();
    patterns.set(key, pattern);
  }
  return pattern;
}

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
    const engine = loadRe2();
    let flags = 0;
    if (regexp.flags.includes('i')) flags |= engine.CASE_INSENSITIVE;
    if (regexp.flags.includes('m')) flags |= engine.MULTILINE;
    this.#pattern = compiledPattern(regexp.source, flags);
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
