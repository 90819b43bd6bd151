/**
 * Mutants of workflow files for the fuzz tests: each applies one to three random edits (line
 * deletions, swaps, type changes, deep nesting, aliases, huge strings, bad schemas, hostile
 * expressions, stray control characters) to the text of an example workflow.
 */

/** A small seeded generator (mulberry32), so a failing mutant can be made again from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

const hostileExpressions = [
  '($f := function($x){ $f($x+1) }; $f(0))',
  '($f := function($x){ $x > 100000 ? 0 : 1 + $f($x+1) }; $f(0))',
  '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a+)+$/)',
  '$replace($string(input), /(x+x+)+y/, "z")',
  '$call("constructor")',
  '$call("__proto__")',
  '$$.steps',
  '$lookup(steps, "nope")',
  '$keys($$)',
  '{"__proto__": {"polluted": true}}',
  '[1..10000000]',
  '$sum([1..1000000])',
  '$eval("$eval(\\"1\\")")',
  'steps.',
  '((((((',
  '$string(',
  '$match("a", /(a)\\1/)',
  '$error("boom")',
  '$number("x")',
  'input.a.b.c.d',
  '$pad("", 100000, "x")',
  '$join([1..100000].$string(), ",")',
];

const typeChanges = [
  '42',
  '-1',
  '0',
  'true',
  'null',
  '~',
  '[]',
  '{}',
  '""',
  '"text"',
  '[1, [2, [3]]]',
  '{ a: 1 }',
  '1e309',
  '.nan',
  "'{{'",
  '"{{ }}"',
  '"__proto__"',
  'constructor',
  '/dev/zero',
  '../../outside.mjs',
];

const badSchemas = [
  "output: { $ref: '#' }",
  'output: { $defs: { a: { $ref: "#/$defs/a" } }, $ref: "#/$defs/a" }',
  'output: { type: wat }',
  'output: false',
  'output: { not: {} }',
  'output: { properties: { __proto__: { type: string } } }',
];

const topLevel = [
  'input: { not: {} }',
  'input: false',
  "input: { $ref: '#' }",
  'output: "{{ steps.a + }}"',
  'output: { __proto__: "{{ 1 }}", constructor: x }',
  'module: ../../outside.mjs',
  'module: /dev/zero',
  'module: /etc/passwd',
  'steps: *nope',
  'defaults: { timeout: -1s }',
  'limits: { constructor: 1 }',
];

function nest(depth: number, flow: boolean): string {
  return flow ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
}

function laughs(random: Random): string {
  const levels = 3 + Math.floor(random() * 6);
  const lines = ['x0: &x0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < levels; level++) {
    lines.push(
      `x${level}: &x${level} [${Array(9)
        .fill(`*x${level - 1}`)
        .join(',')}]`,
    );
  }
  return lines.join('\n');
}

/** Replaces the value of a random `key: value` line. */
function replaceValue(lines: string[], random: Random, value: (old: string) => string): void {
  const candidates = lines.flatMap((line, index) => (/^\s*-?\s*[\w$]+:\s*\S/.test(line) ? [index] : []));
  if (candidates.length === 0) return;
  const index = pick(random, candidates);
  const line = lines[index] as string;
  const colon = line.indexOf(':');
  lines[index] = `${line.slice(0, colon + 1)} ${value(line.slice(colon + 1).trim())}`;
}

function indentOf(line: string): string {
  return /^\s*/.exec(line)?.[0] ?? '';
}

const operators: Array<(lines: string[], random: Random) => void> = [
  // line deletion
  (lines, random) => {
    lines.splice(Math.floor(random() * lines.length), 1);
  },
  // line swap
  (lines, random) => {
    const a = Math.floor(random() * lines.length);
    const b = Math.floor(random() * lines.length);
    [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
  },
  // line duplication
  (lines, random) => {
    const index = Math.floor(random() * lines.length);
    lines.splice(index, 0, lines[index] ?? '');
  },
  // type change
  (lines, random) => replaceValue(lines, random, () => pick(random, typeChanges)),
  // deep nesting
  (lines, random) =>
    replaceValue(lines, random, () => nest(pick(random, [50, 500, 5000, 50_000]), random() < 0.5)),
  // huge string
  (lines, random) => replaceValue(lines, random, () => `"${'x'.repeat(pick(random, [10_000, 200_000]))}"`),
  // hostile expression as a value, or inside a template
  (lines, random) =>
    replaceValue(lines, random, () => {
      const expression = pick(random, hostileExpressions);
      return JSON.stringify(random() < 0.5 ? expression : `{{ ${expression} }}`);
    }),
  // an anchor and an alias, an alias inside its own node, or one that names nothing
  (lines, random) => {
    const choice = Math.floor(random() * 3);
    if (choice === 0) replaceValue(lines, random, () => '*nope');
    else if (choice === 1) {
      const index = lines.findIndex((line) => /^steps:/.test(line));
      if (index >= 0) lines[index] = 'steps: &loop';
      replaceValue(lines, random, () => '*loop');
    } else lines.unshift(laughs(random));
  },
  // a bad schema on a step
  (lines, random) => {
    const steps = lines.flatMap((line, index) => (/^\s*- id:/.test(line) ? [index] : []));
    if (steps.length === 0) return;
    const index = pick(random, steps);
    const indent = `${indentOf(lines[index] as string)}  `;
    lines.splice(index + 1, 0, `${indent}${pick(random, badSchemas)}`);
  },
  // a bad top-level field
  (lines, random) => {
    lines.push(pick(random, topLevel));
  },
  // stray characters: control characters, tabs, quotes, unicode
  (lines, random) => {
    const index = Math.floor(random() * lines.length);
    const line = lines[index] ?? '';
    const at = Math.floor(random() * (line.length + 1));
    const junk = pick(random, [
      '\t',
      '\u0000',
      '\u001b[2J',
      '"',
      "'",
      '{',
      '&',
      '*',
      '|',
      '>',
      '\u202e',
      '😀',
      '\r',
    ]);
    lines[index] = line.slice(0, at) + junk + line.slice(at);
  },
  // indentation shift
  (lines, random) => {
    const index = Math.floor(random() * lines.length);
    lines[index] = random() < 0.5 ? `  ${lines[index]}` : (lines[index] ?? '').replace(/^ {2}/, '');
  },
  // a step kind or key renamed
  (lines, random) =>
    replaceValue(lines, random, (old) =>
      random() < 0.5
        ? pick(random, [
            'llm',
            'agent',
            'tool',
            'transform',
            'branch',
            'map',
            'loop',
            'approval',
            'workflow',
            'nope',
          ])
        : `${old}x`,
    ),
];

/** A mutant of a workflow's text: one to three random edits. */
export function mutateWorkflow(text: string, random: Random): string {
  const lines = text.split('\n');
  const edits = 1 + Math.floor(random() * 3);
  for (let edit = 0; edit < edits; edit++) pick(random, operators)(lines, random);
  return lines.join('\n');
}

let hugeText: string | undefined;
// Just over the default input limit, made once.
const huge = () => {
  hugeText ??= 'x'.repeat(10_000_001);
  return hugeText;
};

/** A mutant of a run input: mostly the example's input, sometimes deep, huge or odd. */
export function mutateInput(input: unknown, random: Random): unknown {
  const roll = random();
  if (roll < 0.7) return input;
  if (roll < 0.8) {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level++) deep = [deep];
    return { deep };
  }
  if (roll < 0.85) return { text: huge() };
  if (roll < 0.9) return JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
  if (roll < 0.95) return { text: '\u001b]0;title\u0007\u0000' };
  return pick(random, [null, 42, 'text', [], { a: undefined }]);
}
